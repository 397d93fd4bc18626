import { metricsAccessAllowed } from './metrics-token';

describe('metricsAccessAllowed', () => {
  const TOKEN = 'scrape-token-0123456789';

  it('lets every scrape in when no METRICS_TOKEN is set', () => {
    expect(metricsAccessAllowed({}, undefined)).toBe(true);
  });

  it('needs the exact bearer token when one is set', () => {
    expect(metricsAccessAllowed({ authorization: `Bearer ${TOKEN}` }, TOKEN)).toBe(true);
    expect(metricsAccessAllowed({ 'x-api-key': TOKEN }, TOKEN)).toBe(true);
    expect(metricsAccessAllowed({}, TOKEN)).toBe(false);
    expect(metricsAccessAllowed({ authorization: `Bearer ${TOKEN}x` }, TOKEN)).toBe(false);
    expect(metricsAccessAllowed({ authorization: TOKEN }, TOKEN)).toBe(false); // not a bearer header
  });
});
