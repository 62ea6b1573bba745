import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IN_ROLLUP, openPlaces, placeChannel, placeIn, withPlace } from '../../src/core/alerts/incident.js';
import { parseAlertmanagerBody } from '../../src/slack/alerts/alert-input.js';

const channelIds = fc.stringMatching(/^C[A-Z0-9]{2,10}$/);
const tss = fc.stringMatching(/^[0-9]{10}\.[0-9]{6}$/);
const places = fc
  .tuple(channelIds, tss, fc.boolean())
  .map(([channel, ts, rollup]) => `${rollup ? IN_ROLLUP : ''}${channel}:${ts}`);

describe('a key’s open incidents, one per channel', () => {
  it('reads the channel of a message and of a roll-up row', () => {
    expect(placeChannel('CTEAM0001:1700000000.000100')).toBe('CTEAM0001');
    expect(placeChannel('rollup|CTEAM0001:1700000000.000100')).toBe('CTEAM0001');
  });

  it('reads an earlier version’s single place as that channel’s incident', () => {
    expect(openPlaces('CTEAM0001:1700000000.000100')).toEqual(['CTEAM0001:1700000000.000100']);
    expect(openPlaces('rollup|CINC00001:1.2')).toEqual(['rollup|CINC00001:1.2']);
    expect(placeIn(openPlaces('CTEAM0001:1.2'), 'CTEAM0001')).toBe('CTEAM0001:1.2');
    expect(placeIn(openPlaces('CTEAM0001:1.2'), 'CINC00001')).toBeUndefined();
  });

  it('reads damaged records as nothing open, and keeps one place per channel', () => {
    for (const damaged of [undefined, null, '', 42, {}, { CTEAM0001: '1.2' }, [1, null, '']])
      expect(openPlaces(damaged)).toEqual([]);
    expect(openPlaces(['CTEAM0001:1.2', 'CTEAM0001:3.4', 'CINC00001:5.6'])).toEqual([
      'CTEAM0001:1.2',
      'CINC00001:5.6',
    ]);
  });

  it('setting a channel’s place touches no other channel’s, and removing it leaves the others', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(channelIds, fc.option(places, { nil: undefined })), { maxLength: 30 }),
        (steps) => {
          let current: readonly string[] = [];
          const expected = new Map<string, string>();
          for (const [channel, given] of steps) {
            // A place set for a channel is that channel's (as the desk writes them).
            const place =
              given === undefined ? undefined : given.replace(/(rollup\|)?[^:]*:/, `$1${channel}:`);
            current = openPlaces(withPlace(current, channel, place));
            if (place === undefined) expected.delete(channel);
            else expected.set(channel, place);
            expect(new Set(current.map(placeChannel)).size).toBe(current.length);
          }
          expect(current).toHaveLength(expected.size);
          for (const [channel, place] of expected) expect(placeIn(current, channel)).toBe(place);
        },
      ),
    );
  });
});

describe('Alertmanager alerts of one key for several channels', () => {
  const environments = { names: ['default'], defaultName: 'default' };
  const rules = { defaultChannel: 'CDEFAULT01', allowedChannels: undefined };
  const labels = { key: 'flow_control_key', environment: 'flow_environment', channel: 'slack_channel' };
  const alert = (status: 'firing' | 'resolved', channel?: string) => ({
    status,
    labels: { alertname: 'P', flow_control_key: 'orders-eu', ...(channel ? { slack_channel: channel } : {}) },
  });

  it('makes one signal per channel, each with its own status', () => {
    const parsed = parseAlertmanagerBody(
      {
        version: '4',
        alerts: [
          alert('firing', 'CTEAM0001'),
          alert('resolved', 'CINC00001'),
          alert('firing'),
          alert('firing', 'CTEAM0001'),
        ],
      },
      environments,
      rules,
      labels,
    );
    expect(parsed.kind).toBe('ok');
    if (parsed.kind !== 'ok') return;
    expect(parsed.signals.map((s) => [s.channel, s.status, s.target.key])).toEqual([
      ['CTEAM0001', 'firing', 'orders-eu'],
      ['CINC00001', 'resolved', 'orders-eu'],
      ['CDEFAULT01', 'firing', 'orders-eu'],
    ]);
    expect(parsed.signals[0]?.title).toBe('2 alerts firing');
  });

  it('every key and channel named gets one signal, firing while any of its alerts there fires', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('orders-eu', 'emails', 'sms'),
            fc.constantFrom('CTEAM0001', 'CINC00001', undefined),
            fc.constantFrom('firing' as const, 'resolved' as const),
          ),
          { maxLength: 20 },
        ),
        (alerts) => {
          const parsed = parseAlertmanagerBody(
            {
              version: '4',
              alerts: alerts.map(([key, channel, status]) => ({
                status,
                labels: {
                  alertname: 'P',
                  flow_control_key: key,
                  ...(channel ? { slack_channel: channel } : {}),
                },
              })),
            },
            environments,
            rules,
            labels,
          );
          if (parsed.kind !== 'ok') throw new Error('refused');
          const expected = new Map<string, 'firing' | 'resolved'>();
          for (const [key, channel = 'CDEFAULT01', status] of alerts) {
            const pair = `${channel}|${key}`;
            expected.set(pair, expected.get(pair) === 'firing' ? 'firing' : status);
          }
          const got = new Map(parsed.signals.map((s) => [`${s.channel}|${s.target.key}`, s.status]));
          expect(parsed.signals).toHaveLength(expected.size);
          expect(got).toEqual(expected);
        },
      ),
    );
  });
});
