import { describeAmqpError, vhostOf } from './amqp-errors';

const URL_ = 'amqp://bot:s3cret@mq.lan:5672/site-a';
const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('describeAmqpError', () => {
  it.each([
    [
      withCode('connect ECONNREFUSED', 'ECONNREFUSED'),
      'RabbitMQ is not reachable at amqp://mq.lan:5672/site-a (ECONNREFUSED): start it (rabbitmq-server -detached, or docker compose up -d rabbitmq) or set AMQP_URL',
    ],
    [
      withCode('getaddrinfo ENOTFOUND mq.lan', 'ENOTFOUND'),
      'RabbitMQ is not reachable at amqp://mq.lan:5672/site-a (ENOTFOUND): start it (rabbitmq-server -detached, or docker compose up -d rabbitmq) or set AMQP_URL',
    ],
    [
      new Error(
        'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused"',
      ),
      'RabbitMQ at amqp://mq.lan:5672/site-a refused user "bot" (ACCESS_REFUSED): check the user and password in AMQP_URL',
    ],
    [
      new Error('Expected ConnectionOpenOk; got <ConnectionClose channel:0>'),
      'RabbitMQ at amqp://mq.lan:5672/site-a refused virtual host "site-a" (missing, or user "bot" has no access): create it with rabbitmqctl add_vhost site-a and set_permissions, or fix AMQP_URL',
    ],
    [
      new Error('Socket closed abruptly during opening handshake'),
      'RabbitMQ is not reachable at amqp://mq.lan:5672/site-a (the connection closed during the handshake): start it (rabbitmq-server -detached, or docker compose up -d rabbitmq) or set AMQP_URL',
    ],
    [
      new Error(
        'Connection closed: 320 (CONNECTION-FORCED) with message "CONNECTION_FORCED - broker forced connection closure with reason \'shutdown\'"',
      ),
      'RabbitMQ at amqp://mq.lan:5672/site-a closed the connection (CONNECTION_FORCED: the broker is stopping or an operator closed it)',
    ],
    [
      new Error(
        "Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message \"PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'agent.outbox' in vhost 'site-a': received the value 'quorum' of type 'longstr' but current is none\"",
      ),
      expect.stringMatching(
        /^RabbitMQ at amqp:\/\/mq\.lan:5672\/site-a already has an outbox queue with other settings \(inequivalent arg 'x-queue-type'.*\): move its messages away and delete it, then restart the agent$/,
      ),
    ],
  ])('%s', (err, expected) => {
    const text = describeAmqpError(URL_, err);
    expect(text).toEqual(expected);
    expect(text).not.toContain('s3cret');
  });

  it('falls back to the broker message, with any URL in it masked', () => {
    expect(describeAmqpError(URL_, new Error('odd failure near amqp://bot:s3cret@mq.lan'))).toBe(
      'RabbitMQ at amqp://mq.lan:5672/site-a failed (odd failure near amqp://mq.lan): check AMQP_URL and the broker log',
    );
  });

  it('reads the vhost from the URL path', () => {
    expect(vhostOf('amqp://h')).toBe('/');
    expect(vhostOf('amqp://h/')).toBe('/');
    expect(vhostOf('amqp://h/a%2Fb')).toBe('a/b');
  });
});
