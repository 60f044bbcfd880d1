import { loadNetwork } from '@ehr/network';
import {
  configtx,
  CHANNEL_PROFILE,
  fabricTopology,
  majorityOf,
  memberMspIds,
  type ConfigJson,
} from '../src';

describe('adding a hospital', () => {
  it('needs more than half of the members to sign', () => {
    expect(majorityOf(['H1', 'H2'])).toEqual(['H1', 'H2']);
    expect(majorityOf(['H1', 'H2', 'H3'])).toEqual(['H1', 'H2']);
    expect(majorityOf(['H1', 'H2', 'H3', 'H4'])).toEqual(['H1', 'H2', 'H3']);
  });

  it('keeps candidates out of the channel until they are added', () => {
    const net = loadNetwork({ portOffset: 7000, dataDir: '/tmp/ehr-fabric-unit-none' });
    expect(net.candidateHospitals.map((h) => h.name)).toEqual(['Hospital3', 'Hospital4']);
    const topo = fabricTopology(net, {});
    expect(topo.peers.map((p) => p.org.name)).not.toContain('Hospital3');
    const app = configtx(topo).Profiles as Record<
      string,
      { Application: { Organizations: { ID: string }[] } }
    >;
    expect(app[CHANNEL_PROFILE]!.Application.Organizations.map((o) => o.ID)).toEqual([
      'Hospital1MSP',
      'Hospital2MSP',
    ]);
  });

  it('reads the members from a channel config', () => {
    const config = {
      channel_group: {
        groups: { Application: { groups: { Hospital1MSP: {}, Hospital2MSP: {} } } },
      },
    };
    expect(memberMspIds(config as unknown as ConfigJson)).toEqual(['Hospital1MSP', 'Hospital2MSP']);
  });
});
