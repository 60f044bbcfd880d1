import { metricValue } from '../src';

describe('peer metrics', () => {
  const text = [
    '# HELP ledger_blockchain_height Height of the chain in blocks.',
    'ledger_blockchain_height{channel="ehr"} 26',
    'ledger_blockchain_height{channel="other"} 3',
    'gossip_membership_total_peers_known{channel="ehr"} 1',
  ].join('\n');

  it('reads a sample of one channel', () => {
    expect(metricValue(text, 'ledger_blockchain_height', 'ehr')).toBe(26);
    expect(metricValue(text, 'ledger_blockchain_height', 'other')).toBe(3);
    expect(metricValue(text, 'gossip_membership_total_peers_known', 'ehr')).toBe(1);
  });

  it('is undefined for a channel the peer has not joined', () => {
    expect(metricValue(text, 'ledger_blockchain_height', 'missing')).toBeUndefined();
  });
});
