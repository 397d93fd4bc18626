import { startAgent, type AgentHandle } from './agent';
import { AgentConfigError, parseAgentEnv, type AgentEnv } from './config/agent-env';
import { runDoctor } from './doctor/doctor';

/** sysexits.h: EX_USAGE and EX_CONFIG, so service managers can tell "fix the config" from a crash. */
const EX_USAGE = 64;
const EX_CONFIG = 78;

const USAGE = `usage: node main.js [run|doctor]
  run     (default) poll Odoo and stream stock levels to the relay
  doctor  check Odoo, RabbitMQ, the relay and the state directory, one line each; exit 0 when all pass`;

function readEnv(): AgentEnv {
  try {
    return parseAgentEnv(process.env);
  } catch (err) {
    if (err instanceof AgentConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(EX_CONFIG);
    }
    throw err;
  }
}

async function run(env: AgentEnv): Promise<void> {
  let agent: AgentHandle;
  try {
    agent = await startAgent(env);
  } catch (err) {
    process.stderr.write(`the agent could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      process.stderr.write(`${signal} again: exiting without waiting for in-flight frames\n`);
      process.exit(1); // frames in flight stay unacked in RabbitMQ and are sent again on the next start
    }
    agent.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`stopping failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? 'run';
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command !== 'run' && command !== 'doctor') {
    process.stderr.write(`unknown command "${command}"\n${USAGE}\n`);
    process.exit(EX_USAGE);
  }
  const env = readEnv();
  if (command === 'doctor') {
    const ok = await runDoctor(env, (line) => process.stdout.write(`${line}\n`));
    process.exit(ok ? 0 : 1);
  }
  await run(env);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
