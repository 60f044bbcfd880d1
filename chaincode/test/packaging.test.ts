import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccaasPackage, connectionTemplate, packageId, packageLabel } from '../src/packaging';

describe('CCaaS package', () => {
  it('is reproducible, so every hospital computes the same package id', () => {
    const a = ccaasPackage('ehr_1.0', connectionTemplate(true));
    const b = ccaasPackage('ehr_1.0', connectionTemplate(true));
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.packageId).toBe(`ehr_1.0:${createHash('sha256').update(a.bytes).digest('hex')}`);
    expect(ccaasPackage('ehr_1.0', connectionTemplate(false)).packageId).not.toBe(a.packageId);
  });

  it('holds metadata.json (type ccaas) and code.tar.gz with connection.json, readable by GNU tar', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ehr-ccaas-'));
    const pkg = ccaasPackage('ehr_1.0', connectionTemplate(true));
    writeFileSync(join(dir, 'pkg.tar.gz'), pkg.bytes);
    expect(
      execFileSync('tar', ['-tzf', join(dir, 'pkg.tar.gz')])
        .toString()
        .trim()
        .split('\n'),
    ).toEqual(['code.tar.gz', 'metadata.json']);
    execFileSync('tar', ['-xzf', join(dir, 'pkg.tar.gz'), '-C', dir]);
    expect(JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'))).toEqual({
      type: 'ccaas',
      label: 'ehr_1.0',
    });
    const conn = JSON.parse(
      execFileSync('tar', ['-xzOf', join(dir, 'code.tar.gz'), 'connection.json']).toString(),
    );
    expect(conn).toEqual({
      address: '{{.address}}',
      dial_timeout: '10s',
      tls_required: true,
      client_auth_required: false,
      root_cert: '{{.root_cert}}',
    });
  });

  it('labels follow Fabric’s rule', () => {
    expect(packageLabel('ehr', '1.0')).toBe('ehr_1.0');
    expect(packageLabel('ehr', '1.0 beta/2')).toBe('ehr_1.0_beta_2');
    expect(() => ccaasPackage('-bad', {})).toThrow(/label/);
    expect(packageId('x', Buffer.from(''))).toBe(
      'x:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});
