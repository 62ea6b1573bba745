/** One alert of a notification, as a test states it: the rest of Alertmanager's fields are filled in. */
export interface TestAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/**
 * A notification as Alertmanager's webhook sends it (version 4): one receiver's view of the group, each alert
 * with the fields Alertmanager always sends (`annotations` empty unless given).
 */
export function alertmanagerNotification(alerts: readonly TestAlert[]) {
  return {
    version: '4',
    groupKey: '{}:{alertname="FlowKeyPaused"}',
    truncatedAlerts: 0,
    status: alerts.some((alert) => alert.status === 'firing') ? 'firing' : 'resolved',
    receiver: 'flowbot',
    groupLabels: { alertname: 'FlowKeyPaused' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com',
    alerts: alerts.map((alert, index) => ({
      ...alert,
      annotations: alert.annotations ?? {},
      startsAt: '2026-11-28T03:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example.com/graph?g0.expr=x',
      fingerprint: `f${index}`,
    })),
  };
}
