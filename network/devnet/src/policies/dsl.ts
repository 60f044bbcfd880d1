// Fabric's signature-policy language (common/policydsl): AND(...), OR(...), OutOf(n, ...) over
// principals 'MSPID.role' (member, admin, client, peer, orderer), in any of Fabric's spellings
// (And/and/AND...). The result is the same SignaturePolicyEnvelope Fabric builds: one principal
// per occurrence, in order of appearance, version 0.
import { common, msp as mspProto } from '@hyperledger/fabric-protos';
import { rolePrincipal, roleOfPrincipal, type PrincipalRole } from '../msp';

export class PolicyParseError extends Error {
  override name = 'PolicyParseError';
}

const PRINCIPAL = /^([A-Za-z0-9.-]+)\.(member|admin|client|peer|orderer)$/;

type Token = { kind: 'ident' | 'string' | 'number' | '(' | ')' | ','; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c, text: c });
      i++;
    } else if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new PolicyParseError(`unterminated string in policy "${text}"`);
      tokens.push({ kind: 'string', text: text.slice(i + 1, end) });
      i = end + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(text.slice(i))!;
      tokens.push({ kind: 'number', text: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ kind: 'ident', text: m[0] });
      i += m[0].length;
    } else {
      throw new PolicyParseError(`unexpected character '${c}' in policy "${text}"`);
    }
  }
  return tokens;
}

const GATES: Record<string, 'and' | 'or' | 'outof'> = {
  And: 'and',
  and: 'and',
  AND: 'and',
  Or: 'or',
  or: 'or',
  OR: 'or',
  OutOf: 'outof',
  outof: 'outof',
  OUTOF: 'outof',
};

function nOutOf(n: number, rules: common.SignaturePolicy[]): common.SignaturePolicy {
  const inner = new common.SignaturePolicy.NOutOf();
  inner.setN(n);
  inner.setRulesList(rules);
  const p = new common.SignaturePolicy();
  p.setNOutOf(inner);
  return p;
}

function signedBy(index: number): common.SignaturePolicy {
  const p = new common.SignaturePolicy();
  p.setSignedBy(index);
  return p;
}

/** Parses a policy such as AND('Hospital1MSP.peer','Hospital2MSP.peer'). */
export function parseSignaturePolicy(text: string): common.SignaturePolicyEnvelope {
  const tokens = tokenize(text);
  const principals: mspProto.MSPPrincipal[] = [];
  let pos = 0;
  const next = (): Token => {
    const t = tokens[pos++];
    if (!t) throw new PolicyParseError(`unexpected end of policy "${text}"`);
    return t;
  };
  const expect = (kind: Token['kind']): Token => {
    const t = next();
    if (t.kind !== kind)
      throw new PolicyParseError(`expected '${kind}' but found '${t.text}' in policy "${text}"`);
    return t;
  };

  const gate = (): common.SignaturePolicy => {
    const name = expect('ident').text;
    const kind = GATES[name];
    if (!kind) throw new PolicyParseError(`unrecognized token '${name}' in policy string`);
    expect('(');
    let threshold: number | undefined;
    if (kind === 'outof') {
      const t = next();
      if (t.kind !== 'number' && !(t.kind === 'string' && /^[0-9]+$/.test(t.text))) {
        throw new PolicyParseError(`OutOf needs a number first in policy "${text}"`);
      }
      threshold = Number(t.text);
      expect(',');
    }
    const rules: common.SignaturePolicy[] = [];
    for (;;) {
      const t = tokens[pos];
      if (t?.kind === 'string') {
        pos++;
        const m = PRINCIPAL.exec(t.text);
        if (!m) throw new PolicyParseError(`error parsing principal ${t.text}`);
        principals.push(rolePrincipal(m[1]!, m[2] as PrincipalRole));
        rules.push(signedBy(principals.length - 1));
      } else if (t?.kind === 'ident') {
        rules.push(gate());
      } else {
        throw new PolicyParseError(`expected a principal or a policy in "${text}"`);
      }
      const sep = next();
      if (sep.kind === ')') break;
      if (sep.kind !== ',') throw new PolicyParseError(`expected ',' or ')' in policy "${text}"`);
    }
    const n = rules.length;
    const t = kind === 'and' ? n : kind === 'or' ? 1 : threshold!;
    if (kind === 'outof' && n < 1)
      throw new PolicyParseError('expected at least two arguments to NOutOf');
    if (t < 0 || t > n + 1)
      throw new PolicyParseError(`invalid t-out-of-n predicate, t ${t}, n ${n}`);
    return nOutOf(t, rules);
  };

  const rule = gate();
  if (pos !== tokens.length) throw new PolicyParseError(`trailing input in policy "${text}"`);
  const env = new common.SignaturePolicyEnvelope();
  env.setVersion(0);
  env.setRule(rule);
  env.setIdentitiesList(principals);
  return env;
}

/** The policy in the DSL (principals as 'MSP.role'); for logs and status output. */
export function signaturePolicyToString(env: common.SignaturePolicyEnvelope): string {
  const ids = env.getIdentitiesList();
  const walk = (p: common.SignaturePolicy): string => {
    if (p.getTypeCase() === common.SignaturePolicy.TypeCase.SIGNED_BY) {
      const principal = ids[p.getSignedBy()];
      const role = principal && roleOfPrincipal(principal);
      return role ? `'${role.mspId}.${role.role}'` : `'#${p.getSignedBy()}'`;
    }
    const n = p.getNOutOf()!;
    return `OutOf(${n.getN()}, ${n.getRulesList().map(walk).join(', ')})`;
  };
  const rule = env.getRule();
  return rule ? walk(rule) : '';
}
