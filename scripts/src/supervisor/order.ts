// Which services to start and in what order.
import type { ServiceDefinition } from '@ehr/network';

/** Orders definitions so that each comes after its dependencies; rejects unknown names and cycles. */
export function dependencyOrder(defs: ServiceDefinition[]): ServiceDefinition[] {
  const byName = new Map(defs.map((d) => [d.name, d]));
  if (byName.size !== defs.length) throw new Error('two services have the same name');
  const order: ServiceDefinition[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (d: ServiceDefinition, path: string[]) => {
    if (state.get(d.name) === 'done') return;
    if (state.get(d.name) === 'visiting')
      throw new Error(`dependency cycle: ${[...path, d.name].join(' → ')}`);
    state.set(d.name, 'visiting');
    for (const dep of d.dependsOn) {
      const target = byName.get(dep);
      if (!target) throw new Error(`${d.name} depends on unknown service "${dep}"`);
      visit(target, [...path, d.name]);
    }
    state.set(d.name, 'done');
    order.push(d);
  };
  for (const d of defs) visit(d, []);
  return order;
}

/** The named services and everything they depend on (all services when no name is given). */
export function selectServices(all: ServiceDefinition[], names: string[]): ServiceDefinition[] {
  if (names.length === 0) return all;
  const byName = new Map(all.map((d) => [d.name, d]));
  const wanted = new Set<string>();
  const add = (name: string) => {
    const def = byName.get(name);
    if (!def) throw new Error(`unknown service "${name}"; known: ${[...byName.keys()].join(', ')}`);
    if (wanted.has(name)) return;
    wanted.add(name);
    def.dependsOn.forEach(add);
  };
  names.forEach(add);
  return all.filter((d) => wanted.has(d.name));
}
