import { startRelay } from './relay';

/** `npm run start:relay`: env validated, dependencies checked, then the relay listens on RELAY_PORT. */
startRelay().then(
  ({ url }) =>
    console.log(JSON.stringify({ level: 'info', service: 'relay', msg: `relay listening on ${url}` })),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
