import { rabbitmqctl } from './test-env';

/**
 * A vhost of its own for one agent test file, beside the run's vhost: the agent's queue names are fixed
 * (agent.outbox), so files that run agents must not share one.
 */
export class AgentVhost {
  private constructor(
    readonly name: string,
    readonly url: string,
  ) {}

  static create(suffix: string): AgentVhost {
    const base = process.env['AMQP_URL'];
    if (!base)
      throw new Error("AMQP_URL is not set: run this test through jest's e2e project (global setup sets it)");
    const url = new URL(base);
    const run = decodeURIComponent(url.pathname.slice(1)) || 'e2e';
    const name = `${run}_${suffix}`;
    rabbitmqctl('add_vhost', name);
    rabbitmqctl('set_permissions', '-p', name, decodeURIComponent(url.username) || 'guest', '.*', '.*', '.*');
    url.pathname = `/${encodeURIComponent(name)}`;
    return new AgentVhost(name, url.href);
  }

  /** The same vhost reached through another host:port (a TCP proxy). */
  urlVia(port: number, host = '127.0.0.1'): string {
    const url = new URL(this.url);
    url.hostname = host;
    url.port = String(port);
    return url.href;
  }

  /** Makes the broker itself close every connection of this vhost (CONNECTION_FORCED). */
  closeConnections(): void {
    rabbitmqctl('close_all_connections', '--vhost', this.name, 'test: forced close');
  }

  delete(): void {
    if (process.env['E2E_KEEP'] === '1') return;
    rabbitmqctl('delete_vhost', this.name);
  }
}
