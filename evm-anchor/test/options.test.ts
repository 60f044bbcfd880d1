// The anchoring schedule from the environment, with cheaper defaults on a public chain.
import { anchoringOptions } from '../src/service/options';

test('local defaults: every 10 blocks or 5 minutes, polled every 2 s', () => {
  expect(anchoringOptions('ehr', {})).toMatchObject({
    channel: 'ehr',
    everyBlocks: 10,
    everyMs: 300_000,
    pollMs: 2000,
  });
});

test('a public chain anchors less often by default: every 1000 blocks or 60 minutes', () => {
  expect(anchoringOptions('ehr', {}, 'remote')).toMatchObject({
    everyBlocks: 1000,
    everyMs: 3_600_000,
  });
});

test('the environment overrides the defaults; bad values are refused', () => {
  expect(
    anchoringOptions(
      'ehr',
      { ANCHOR_EVERY_BLOCKS: '3', ANCHOR_EVERY: '20s', ANCHOR_POLL: '250ms' },
      'remote',
    ),
  ).toMatchObject({
    everyBlocks: 3,
    everyMs: 20_000,
    pollMs: 250,
  });
  expect(() => anchoringOptions('ehr', { ANCHOR_EVERY_BLOCKS: '0' })).toThrow(/whole number/);
  expect(() => anchoringOptions('ehr', { ANCHOR_EVERY_BLOCKS: '2.5' })).toThrow(/whole number/);
  expect(() => anchoringOptions('ehr', { ANCHOR_EVERY: 'soon' })).toThrow(/duration/);
});
