import { accessError } from './errors';
import { Store } from './store';
import type { AccessGroup, Context, ModelDef, OdooVersion } from './types';

export const SUPERUSER_ID = 1;

const GROUP_NAMES: Record<AccessGroup, string> = {
  base: 'Role / User',
  stock: 'Inventory/User',
  sale: 'Sales/User: Own Documents Only',
  mrp: 'Manufacturing/User',
};

/** One Odoo database: its installed models (per version and modules), its rows and its API keys. */
export class Database {
  readonly store: Store;
  /** API key -> uid (Odoo keeps them hashed in res.users.apikeys; plain is enough here). */
  readonly apiKeys = new Map<string, number>();
  readonly calls: Array<{ model: string; method: string }> = [];

  constructor(
    readonly name: string,
    readonly version: OdooVersion,
    readonly modules: ReadonlySet<string>,
    readonly registry: ReadonlyMap<string, ModelDef>,
  ) {
    const indexed: Record<string, string[]> = {};
    for (const model of registry.values())
      indexed[model.name] = Object.entries(model.fields)
        .filter(([, f]) => f.type === 'many2one' && !f.compute)
        .map(([name]) => name);
    this.store = new Store(indexed);
  }

  env(uid: number, context: Context = {}, now: number = Date.now()): Env {
    return new Env(this, uid, context, now);
  }

  /** One transaction: `now` is its start time (PostgreSQL now()), every write in it gets that write_date. */
  transaction<T>(uid: number, context: Context, fn: (env: Env) => T, now: number = Date.now()): T {
    return this.store.transaction(() => fn(this.env(uid, context, now)));
  }
}

export class Env {
  constructor(
    readonly db: Database,
    readonly uid: number,
    readonly context: Context,
    /** Transaction start, epoch ms. */
    readonly now: number,
  ) {}

  get store(): Store {
    return this.db.store;
  }

  get version(): OdooVersion {
    return this.db.version;
  }

  hasModel(name: string): boolean {
    return this.db.registry.has(name);
  }

  model(name: string): ModelDef {
    const model = this.db.registry.get(name);
    if (!model) throw new Error(`model ${name} is not installed`);
    return model;
  }

  withContext(extra: Context): Env {
    return new Env(this.db, this.uid, { ...this.context, ...extra }, this.now);
  }

  /** env.companies: allowed_company_ids from the context, else all the user's companies. */
  get companyIds(): number[] {
    const allowed = this.context['allowed_company_ids'];
    if (Array.isArray(allowed) && allowed.every((id) => typeof id === 'number')) return allowed;
    return this.userCompanyIds();
  }

  userCompanyIds(): number[] {
    const ids = this.store.get('res.users', this.uid)?.['company_ids'];
    return Array.isArray(ids) ? ids : [];
  }

  /** ir.model.access: a model needs its group; the superuser passes everything. */
  checkAccess(modelName: string): void {
    if (this.uid === SUPERUSER_ID) return;
    const model = this.model(modelName);
    const groups = String(this.store.get('res.users', this.uid)?.['sim_groups'] ?? '').split(',');
    if (groups.includes(model.group)) return;
    throw accessError(
      `You are not allowed to access '${model.description}' (${model.name}) records.\n\n` +
        `This operation is allowed for the following groups:\n\t- ${GROUP_NAMES[model.group]}\n\n` +
        'Contact your administrator to request access if necessary.',
    );
  }
}
