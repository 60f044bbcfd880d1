import type { ServiceDefinition } from '@ehr/network';
import { dependencyOrder, selectServices } from '../src/supervisor/order';

const def = (name: string, dependsOn: string[] = []): ServiceDefinition => ({
  name,
  dependsOn,
  process: () => null,
  healthy: async () => true,
});

describe('supervisor ordering', () => {
  it('puts every service after its dependencies', () => {
    const order = dependencyOrder([def('gateway', ['ca', 'db']), def('ca', ['db']), def('db')]).map(
      (d) => d.name,
    );
    expect(order.indexOf('db')).toBeLessThan(order.indexOf('ca'));
    expect(order.indexOf('ca')).toBeLessThan(order.indexOf('gateway'));
  });

  it('rejects cycles, unknown dependencies and duplicate names', () => {
    expect(() => dependencyOrder([def('a', ['b']), def('b', ['a'])])).toThrow(/cycle/);
    expect(() => dependencyOrder([def('a', ['nope'])])).toThrow(/unknown service "nope"/);
    expect(() => dependencyOrder([def('a'), def('a')])).toThrow(/same name/);
  });

  it('selects named services with their dependencies only', () => {
    const all = [def('db'), def('ca', ['db']), def('ipfs'), def('gateway', ['ca'])];
    expect(selectServices(all, ['ca']).map((d) => d.name)).toEqual(['db', 'ca']);
    expect(selectServices(all, []).length).toBe(4);
    expect(() => selectServices(all, ['x'])).toThrow(/unknown service "x"/);
  });
});
