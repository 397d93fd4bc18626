/**
 * The slice of the Admin GraphQL schema the simulator serves: shop, location, inventoryItem, inventoryItems
 * (search by SKU), nodes(ids:), and the inventorySetQuantities mutation. Field names and shapes are Shopify's.
 */
import { valueOf, type FieldNode } from './graphql-document';
import { FieldError, type GraphqlError, type Record_, type Schema } from './graphql-executor';
import {
  gidNumber,
  QUANTITY_NAMES,
  type InventoryStore,
  type SimItem,
  type SimLocation,
} from './inventory-store';
import {
  coerceSetInput,
  inventorySetQuantities,
  MAX_INPUT_ARRAY,
  problemsError,
  RuntimeGraphqlError,
  versionAtLeast,
  type ChangeRecord,
} from './set-quantities';

export interface SimContext {
  store: InventoryStore;
  version: string; // the version actually served (after falling forward)
  shopDomain: string;
  variables: Record_;
  scopes: ReadonlySet<string>;
  onResponded: (release: () => void) => void;
}

const MAX_PAGE = 250;

function requireScope(ctx: SimContext, scope: string, field: string): void {
  if (ctx.scopes.has(scope) || (scope.startsWith('read_') && ctx.scopes.has(`write_${scope.slice(5)}`)))
    return;
  throw new FieldError(`Access denied for ${field} field. Required access: \`${scope}\` access scope.`, {
    code: 'ACCESS_DENIED',
    documentation: 'https://shopify.dev/api/usage/access-scopes',
    requiredAccess: `\`${scope}\` access scope.`,
  });
}

const itemRecord = (item: SimItem): Record_ => ({
  __typename: 'InventoryItem',
  id: item.id,
  legacyResourceId: String(item.numericId),
  sku: item.sku,
  tracked: item.tracked,
  createdAt: item.createdAt,
  updatedAt: item.updatedAt,
  item,
});

const locationRecord = (l: SimLocation): Record_ => ({
  __typename: 'Location',
  id: l.id,
  name: l.name,
  isActive: l.isActive,
});

function nodeRecord(store: InventoryStore, id: unknown): Record_ | null {
  if (typeof id !== 'string') return null;
  const item = store.items.get(id);
  if (item) return itemRecord(item);
  const location = store.locations.get(id);
  return location ? locationRecord(location) : null;
}

function levelRecord(store: InventoryStore, item: SimItem, locationId: string): Record_ | null {
  const level = item.levels.get(locationId);
  const location = store.locations.get(locationId);
  if (!level || !location) return null;
  return {
    __typename: 'InventoryLevel',
    id: `gid://shopify/InventoryLevel/${gidNumber(locationId, 'Location') ?? 0}?inventory_item_id=${item.numericId}`,
    updatedAt: level.updatedAt,
    location: locationRecord(location),
    item: itemRecord(item),
    level,
  };
}

/** Pages of items as a Relay connection; cursors are opaque base64 like Shopify's. */
function connection(items: SimItem[], args: Record_): Record_ {
  const cursorOf = (item: SimItem): string =>
    Buffer.from(JSON.stringify({ last_id: item.numericId })).toString('base64');
  const after = typeof args['after'] === 'string' ? args['after'] : undefined;
  let start = 0;
  if (after !== undefined) {
    let lastId: unknown;
    try {
      lastId = (JSON.parse(Buffer.from(after, 'base64').toString('utf8')) as Record_)['last_id'];
    } catch {
      throw new FieldError(`Invalid cursor for current pagination sort.`, { code: 'BAD_REQUEST' });
    }
    start = items.findIndex((i) => i.numericId > Number(lastId));
    if (start < 0) start = items.length;
  }
  const first = Number(args['first'] ?? args['last']);
  const page = items.slice(start, start + first);
  const last = page[page.length - 1];
  return {
    __typename: 'InventoryItemConnection',
    edges: page.map((item) => ({
      __typename: 'InventoryItemEdge',
      cursor: cursorOf(item),
      node: itemRecord(item),
    })),
    nodes: page.map(itemRecord),
    pageInfo: {
      __typename: 'PageInfo',
      hasNextPage: start + page.length < items.length,
      hasPreviousPage: start > 0,
      startCursor: page[0] ? cursorOf(page[0]) : null,
      endCursor: last ? cursorOf(last) : null,
    },
  };
}

function pageArgsError(field: FieldNode, args: Record_): GraphqlError[] {
  const size = args['first'] ?? args['last'];
  if (size === undefined || size === null)
    return [
      {
        message: 'you must provide one of first or last',
        locations: [field.loc],
        path: [field.alias ?? field.name],
      },
    ];
  if (typeof size !== 'number' || size < 0 || size > MAX_PAGE)
    return [
      {
        message: `The first or last argument must be between 0 and ${MAX_PAGE}.`,
        locations: [field.loc],
        path: [field.alias ?? field.name],
      },
    ];
  return [];
}

/** Argument checks graphql-ruby makes before executing: nothing is charged when they fail. */
export function validateArguments(field: FieldNode, args: Record_, ctx: SimContext): GraphqlError[] {
  switch (field.name) {
    case 'inventoryItems':
      return pageArgsError(field, args);
    case 'nodes': {
      const ids = args['ids'];
      if (Array.isArray(ids) && ids.length > MAX_INPUT_ARRAY)
        return [inputSizeError(ids.length, field, ['nodes', 'ids'])];
      return [];
    }
    case 'inventorySetQuantities': {
      const inputArg = field.args.find((a) => a.name === 'input');
      const raw = args['input'];
      if (raw === undefined || raw === null) return []; // reported already as a missing non-null variable
      const problems = coerceSetInput(ctx.version, raw);
      if (problems.length > 0)
        return [
          problemsError(
            inputArg?.value.kind === 'variable' ? inputArg.value.name : undefined,
            raw,
            problems,
            [field.loc],
          ),
        ];
      const quantities = (raw as Record_)['quantities'];
      if (Array.isArray(quantities) && quantities.length > MAX_INPUT_ARRAY)
        return [inputSizeError(quantities.length, field, ['inventorySetQuantities', 'input', 'quantities'])];
      return [];
    }
    default:
      return [];
  }
}

function inputSizeError(size: number, field: FieldNode, path: string[]): GraphqlError {
  return {
    message: `The input array size of ${size} is greater than the maximum allowed of ${MAX_INPUT_ARRAY}.`,
    locations: [field.loc],
    path,
    extensions: { code: 'MAX_INPUT_SIZE_EXCEEDED' },
  };
}

export const shopifySchema: Schema<SimContext> = {
  queryType: 'QueryRoot',
  mutationType: 'Mutation',
  mutationCost: 10,
  validateField: (field, args, ctx) => validateArguments(field, args, ctx),
  directives: (ctx) =>
    new Set(versionAtLeast(ctx.version, '2026-01') ? ['include', 'skip', 'idempotent'] : ['include', 'skip']),
  types: {
    QueryRoot: {
      fields: {
        shop: {
          type: 'Shop',
          resolve: (_p, _a, ctx) => ({
            __typename: 'Shop',
            id: 'gid://shopify/Shop/1',
            name: ctx.store.shopName,
            myshopifyDomain: ctx.shopDomain,
            currencyCode: 'EUR',
          }),
        },
        location: {
          type: 'Location',
          args: { id: { required: true } },
          resolve: (_p, a, ctx) => {
            requireScope(ctx, 'read_locations', 'location');
            const l = ctx.store.locations.get(String(a['id']));
            return l ? locationRecord(l) : null;
          },
        },
        inventoryItem: {
          type: 'InventoryItem',
          args: { id: { required: true } },
          resolve: (_p, a, ctx) => {
            requireScope(ctx, 'read_inventory', 'inventoryItem');
            const item = ctx.store.items.get(String(a['id']));
            return item ? itemRecord(item) : null;
          },
        },
        inventoryItems: {
          type: 'InventoryItemConnection',
          connection: true,
          args: { first: {}, last: {}, after: {}, before: {}, query: {}, reverse: {} },
          resolve: (_p, a, ctx) => {
            requireScope(ctx, 'read_inventory', 'inventoryItems');
            return connection(ctx.store.search(typeof a['query'] === 'string' ? a['query'] : undefined), a);
          },
        },
        nodes: {
          type: 'Node',
          list: true,
          sizeArg: 'ids',
          args: { ids: { required: true } },
          resolve: (_p, a, ctx) => {
            requireScope(ctx, 'read_inventory', 'nodes');
            const ids = Array.isArray(a['ids']) ? a['ids'] : [a['ids']];
            return ids.map((id) => nodeRecord(ctx.store, id));
          },
        },
      },
    },
    Mutation: {
      fields: {
        inventorySetQuantities: {
          type: 'InventorySetQuantitiesPayload',
          args: { input: { required: true } },
          resolve: (_p, a, ctx, field) => {
            requireScope(ctx, 'write_inventory', 'inventorySetQuantities');
            const directive = field.directives.find((d) => d.name === 'idempotent');
            const keyArg = directive?.args.find((x) => x.name === 'key');
            try {
              return inventorySetQuantities(ctx.store, {
                version: ctx.version,
                input: a['input'],
                directive: directive
                  ? { key: keyArg ? valueOf(keyArg.value, ctx.variables) : undefined }
                  : undefined,
                onResponded: ctx.onResponded,
              });
            } catch (err) {
              if (err instanceof RuntimeGraphqlError) throw new FieldError(err.message, { code: err.code });
              throw err;
            }
          },
        },
      },
    },
    Node: { possibleTypes: ['InventoryItem', 'Location'], fields: { id: { type: 'ID' } } },
    Shop: {
      fields: {
        id: { type: 'ID' },
        name: { type: 'String' },
        myshopifyDomain: { type: 'String' },
        currencyCode: { type: 'String' },
      },
    },
    Location: { fields: { id: { type: 'ID' }, name: { type: 'String' }, isActive: { type: 'Boolean' } } },
    InventoryItem: {
      fields: {
        id: { type: 'ID' },
        legacyResourceId: { type: 'String' },
        sku: { type: 'String' },
        tracked: { type: 'Boolean' },
        createdAt: { type: 'DateTime' },
        updatedAt: { type: 'DateTime' },
        inventoryLevel: {
          type: 'InventoryLevel',
          args: { locationId: { required: true } },
          resolve: (p, a, ctx) => levelRecord(ctx.store, p['item'] as SimItem, String(a['locationId'])),
        },
      },
    },
    InventoryLevel: {
      fields: {
        id: { type: 'ID' },
        updatedAt: { type: 'DateTime' },
        location: { type: 'Location' },
        item: { type: 'InventoryItem' },
        quantities: {
          type: 'InventoryQuantity',
          list: true,
          sizeArg: 'names',
          args: { names: { required: true } },
          resolve: (p, a) => {
            const level = p['level'] as { available: number; committed: number; updatedAt: string };
            const names = Array.isArray(a['names']) ? a['names'] : [a['names']];
            return names.map((name) => {
              if (!(QUANTITY_NAMES as readonly unknown[]).includes(name))
                throw new FieldError(`Invalid quantity name: '${String(name)}'.`, { code: 'BAD_REQUEST' });
              const quantity =
                name === 'available'
                  ? level.available
                  : name === 'on_hand'
                    ? level.available + level.committed
                    : name === 'committed'
                      ? level.committed
                      : 0;
              return {
                __typename: 'InventoryQuantity',
                id: `${String(p['id'])}&name=${String(name)}`,
                name,
                quantity,
                updatedAt: level.updatedAt,
              };
            });
          },
        },
      },
    },
    InventoryQuantity: {
      fields: {
        id: { type: 'ID' },
        name: { type: 'String' },
        quantity: { type: 'Int' },
        updatedAt: { type: 'DateTime' },
      },
    },
    InventoryItemConnection: {
      fields: {
        edges: { type: 'InventoryItemEdge', list: true, free: true },
        nodes: { type: 'InventoryItem', list: true },
        pageInfo: { type: 'PageInfo', free: true },
      },
    },
    InventoryItemEdge: { fields: { cursor: { type: 'String' }, node: { type: 'InventoryItem' } } },
    PageInfo: {
      fields: {
        hasNextPage: { type: 'Boolean' },
        hasPreviousPage: { type: 'Boolean' },
        startCursor: { type: 'String' },
        endCursor: { type: 'String' },
      },
    },
    InventorySetQuantitiesPayload: {
      fields: {
        inventoryAdjustmentGroup: { type: 'InventoryAdjustmentGroup' },
        userErrors: { type: 'InventorySetQuantitiesUserError', list: true },
      },
    },
    InventorySetQuantitiesUserError: {
      fields: { code: { type: 'String' }, field: { type: 'String' }, message: { type: 'String' } },
    },
    InventoryAdjustmentGroup: {
      fields: {
        id: { type: 'ID' },
        createdAt: { type: 'DateTime' },
        reason: { type: 'String' },
        referenceDocumentUri: { type: 'String' },
        changes: {
          type: 'InventoryChange',
          list: true,
          args: { inventoryItemIds: {}, locationIds: {}, quantityNames: {} },
          resolve: (p, a) => {
            const inList = (v: unknown, list: unknown): boolean => !Array.isArray(list) || list.includes(v);
            return (p['changesList'] as ChangeRecord[]).filter(
              (c) =>
                inList(c.name, a['quantityNames']) &&
                inList(c.itemId, a['inventoryItemIds']) &&
                inList(c.locationId, a['locationIds']),
            );
          },
        },
      },
    },
    InventoryChange: {
      fields: {
        name: { type: 'String' },
        delta: { type: 'Int' },
        quantityAfterChange: { type: 'Int' },
        ledgerDocumentUri: { type: 'String' },
        item: { type: 'InventoryItem', resolve: (p, _a, ctx) => nodeRecord(ctx.store, p['itemId']) },
        location: { type: 'Location', resolve: (p, _a, ctx) => nodeRecord(ctx.store, p['locationId']) },
      },
    },
  },
};
