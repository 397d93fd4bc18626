/**
 * `inventorySetQuantities` as each API version defines it (fact sheet §1.2):
 *   ≤ 2025-10  compareQuantity per row or ignoreCompareQuantity: true; no @idempotent directive
 *   2026-01    changeFromQuantity added (overrides compare fields when present); @idempotent optional
 *   ≥ 2026-04  changeFromQuantity must be on every row (value or explicit null), compare fields removed,
 *              @idempotent(key:) mandatory; omissions are runtime errors although the schema marks them optional
 * Any bad row or input field → userErrors and nothing applied (the fact sheet's "safest assumption").
 */
import type { GraphqlError, Record_ } from './graphql-executor';
import { gidNumber, type InventoryStore, type SimItem, type SimLevel } from './inventory-store';

export const MAX_INPUT_ARRAY = 250;
const MAX_QUANTITY = 1_000_000_000;
const INT_MAX = 2_147_483_647; // GraphQL Int is 32-bit

export const SET_REASONS: ReadonlySet<string> = new Set([
  'correction',
  'cycle_count_available',
  'damaged',
  'movement_canceled',
  'movement_created',
  'movement_received',
  'movement_updated',
  'other',
  'promotion',
  'quality_control',
  'received',
  'reservation_created',
  'reservation_deleted',
  'reservation_updated',
  'restock',
  'safety_stock',
  'shrinkage',
]);

/** Version order: 'YYYY-MM' compares as text; `unstable` is newer than every release. */
export const versionAtLeast = (version: string, min: string): boolean =>
  (version === 'unstable' ? '9999-99' : version) >= min;

interface InputField {
  type: 'String' | 'ID' | 'Int' | 'Boolean' | 'URL' | 'Quantities';
  required?: boolean;
}

function inputSchema(version: string): {
  top: Record<string, InputField>;
  row: Record<string, InputField>;
  rowType: string;
} {
  const modern = versionAtLeast(version, '2026-04');
  const hasChangeFrom = versionAtLeast(version, '2026-01');
  const top: Record<string, InputField> = {
    name: { type: 'String', required: true },
    reason: { type: 'String', required: true },
    referenceDocumentUri: { type: 'URL' },
    quantities: { type: 'Quantities', required: true },
  };
  const row: Record<string, InputField> = {
    inventoryItemId: { type: 'ID', required: true },
    locationId: { type: 'ID', required: true },
    quantity: { type: 'Int', required: true },
  };
  if (!modern) {
    top['ignoreCompareQuantity'] = { type: 'Boolean' };
    row['compareQuantity'] = { type: 'Int' };
  }
  if (hasChangeFrom) row['changeFromQuantity'] = { type: 'Int' };
  return { top, row, rowType: modern ? 'InventorySetQuantityInput' : 'InventoryQuantityInput' };
}

export interface Problem {
  path: Array<string | number>;
  explanation: string;
}

function checkScalar(type: InputField['type'], v: unknown): boolean {
  switch (type) {
    case 'String':
    case 'URL':
      return typeof v === 'string';
    case 'ID':
      return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
    case 'Int':
      return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= INT_MAX;
    case 'Boolean':
      return typeof v === 'boolean';
    case 'Quantities':
      return true;
  }
}

function checkObject(
  raw: unknown,
  fields: Record<string, InputField>,
  typeName: string,
  path: Array<string | number>,
  problems: Problem[],
): void {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push({ path, explanation: `Expected ${JSON.stringify(raw)} to be a key-value object.` });
    return;
  }
  const obj = raw as Record_;
  for (const key of Object.keys(obj))
    if (!(key in fields))
      problems.push({ path: [...path, key], explanation: `Field is not defined on ${typeName}` });
  for (const [key, spec] of Object.entries(fields)) {
    const v = obj[key];
    if (v === undefined || v === null) {
      if (spec.required)
        problems.push({ path: [...path, key], explanation: 'Expected value to not be null' });
    } else if (!checkScalar(spec.type, v)) {
      problems.push({
        path: [...path, key],
        explanation: `Could not coerce value ${JSON.stringify(v)} to ${spec.type}`,
      });
    }
  }
}

/** Variable/argument coercion, done before execution like graphql-ruby: problems make the request invalid. */
export function coerceSetInput(version: string, raw: unknown): Problem[] {
  const { top, row, rowType } = inputSchema(version);
  const problems: Problem[] = [];
  checkObject(raw, top, 'InventorySetQuantitiesInput', [], problems);
  const quantities = (raw as Record_ | null)?.['quantities'];
  if (Array.isArray(quantities))
    quantities.forEach((q, i) => checkObject(q, row, rowType, ['quantities', i], problems));
  else if (quantities !== undefined && quantities !== null)
    checkObject(quantities, row, rowType, ['quantities'], problems);
  return problems;
}

export function problemsError(
  variable: string | undefined,
  raw: unknown,
  problems: Problem[],
  loc: GraphqlError['locations'],
): GraphqlError {
  const detail = problems.map((p) => `${p.path.join('.')} (${p.explanation})`).join(', ');
  if (variable === undefined)
    return {
      message: `Argument 'input' on Field 'inventorySetQuantities' has an invalid value (${JSON.stringify(raw)}). Expected type 'InventorySetQuantitiesInput!'.`,
      ...(loc ? { locations: loc } : {}),
      extensions: {
        code: 'argumentLiteralsIncompatible',
        typeName: 'Field',
        argumentName: 'input',
        problems,
      },
    };
  return {
    message: `Variable $${variable} of type InventorySetQuantitiesInput! was provided invalid value for ${detail}`,
    ...(loc ? { locations: loc } : {}),
    extensions: { value: raw, problems },
  };
}

interface SetRow {
  inventoryItemId: string;
  locationId: string;
  quantity: number;
  changeFromQuantity?: number | null;
  compareQuantity?: number | null;
}
interface SetInput {
  name: string;
  reason: string;
  referenceDocumentUri?: string | null;
  ignoreCompareQuantity?: boolean | null;
  quantities: SetRow[];
}

export interface UserErrorRecord {
  __typename: 'InventorySetQuantitiesUserError';
  code: string;
  field: string[] | null;
  message: string;
}

export interface ChangeRecord {
  __typename: 'InventoryChange';
  name: string;
  delta: number;
  quantityAfterChange: number;
  ledgerDocumentUri: null;
  itemId: string;
  locationId: string;
}

export interface PayloadRecord {
  __typename: 'InventorySetQuantitiesPayload';
  inventoryAdjustmentGroup: Record_ | null;
  userErrors: UserErrorRecord[];
}

const userError = (code: string, field: Array<string | number> | null, message: string): UserErrorRecord => ({
  __typename: 'InventorySetQuantitiesUserError',
  code,
  field: field ? field.map(String) : null,
  message,
});

/** Thrown for errors Shopify reports at the top level (not as userErrors). */
export class RuntimeGraphqlError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'RuntimeGraphqlError';
  }
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record_)[k])]),
    );
  return v;
}

export interface SetQuantitiesCall {
  version: string;
  input: unknown; // already coerced (coerceSetInput found no problems)
  directive: { key: unknown } | undefined; // @idempotent(key:) as written, or absent
  onResponded: (release: () => void) => void; // the key stays "in flight" until the HTTP answer is written
}

export function inventorySetQuantities(store: InventoryStore, call: SetQuantitiesCall): PayloadRecord {
  const modern = versionAtLeast(call.version, '2026-04');
  const input = call.input as SetInput;
  if (modern) {
    if (!call.directive)
      throw new RuntimeGraphqlError(
        'The @idempotent directive is required for this mutation. Pass @idempotent(key: "<unique key>") on inventorySetQuantities.',
        'IDEMPOTENCY_KEY_REQUIRED',
      );
    const missing = input.quantities.findIndex((q) => !('changeFromQuantity' in q));
    if (missing >= 0)
      throw new RuntimeGraphqlError(
        `changeFromQuantity is required on every quantity (explicitly pass null to skip the compare-and-swap check); missing at input.quantities.${missing}`,
        'CHANGE_FROM_QUANTITY_REQUIRED',
      );
  }
  if (call.directive && (typeof call.directive.key !== 'string' || call.directive.key.trim() === ''))
    throw new RuntimeGraphqlError(
      'The @idempotent directive needs a non-empty string key.',
      'INVALID_IDEMPOTENCY_KEY',
    );

  const key = call.directive ? String(call.directive.key) : undefined;
  const paramsHash = JSON.stringify(canonical({ mutation: 'inventorySetQuantities', input: call.input }));
  if (key !== undefined) {
    const seen = store.idempotency.get(key);
    if (seen?.inFlight)
      return payload(null, [
        userError(
          'IDEMPOTENCY_CONCURRENT_REQUEST',
          null,
          'This request is currently in progress, please try again.',
        ),
      ]);
    if (seen && seen.paramsHash !== paramsHash)
      return payload(null, [
        userError(
          'IDEMPOTENCY_KEY_PARAMETER_MISMATCH',
          null,
          'The same idempotency key cannot be used with different operation parameters.',
        ),
      ]);
    if (seen) return seen.payload as PayloadRecord; // replay: nothing is applied a second time
  }

  const result = apply(store, call.version, input);
  if (key !== undefined) {
    const record = { paramsHash, inFlight: true, payload: result };
    store.idempotency.set(key, record);
    call.onResponded(() => {
      record.inFlight = false;
    });
  }
  return result;
}

const payload = (group: Record_ | null, errors: UserErrorRecord[]): PayloadRecord => ({
  __typename: 'InventorySetQuantitiesPayload',
  inventoryAdjustmentGroup: group,
  userErrors: errors,
});

function apply(store: InventoryStore, version: string, input: SetInput): PayloadRecord {
  const errors: UserErrorRecord[] = [];
  if (input.name !== 'available' && input.name !== 'on_hand')
    errors.push(
      userError(
        'INVALID_NAME',
        ['input', 'name'],
        "The quantity name must be either 'available' or 'on_hand'.",
      ),
    );
  if (!SET_REASONS.has(input.reason))
    errors.push(userError('INVALID_REASON', ['input', 'reason'], 'The specified reason is invalid.'));
  const uri = input.referenceDocumentUri;
  if (uri !== undefined && uri !== null && !/^[a-z][a-z0-9+.-]*:\/\/?\S+$/i.test(uri))
    errors.push(
      userError(
        'INVALID_REFERENCE_DOCUMENT',
        ['input', 'referenceDocumentUri'],
        'The specified reference document is invalid.',
      ),
    );

  const legacyCompare = !versionAtLeast(version, '2026-04');
  const seenPairs = new Set<string>();
  const targets: Array<{ item: SimItem; level: SimLevel; row: SetRow; locationId: string }> = [];
  input.quantities.forEach((row, i) => {
    const at = (field?: string): string[] => ['input', 'quantities', String(i), ...(field ? [field] : [])];
    const itemId = String(row.inventoryItemId);
    const locationId = String(row.locationId);
    const pair = `${itemId}|${locationId}`;
    if (seenPairs.has(pair)) {
      errors.push(
        userError(
          'NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR',
          at(),
          'The combination of inventoryItemId and locationId must be unique.',
        ),
      );
      return;
    }
    seenPairs.add(pair);
    const item = gidNumber(itemId, 'InventoryItem') !== undefined ? store.items.get(itemId) : undefined;
    if (!item) {
      errors.push(
        userError(
          'INVALID_INVENTORY_ITEM',
          at('inventoryItemId'),
          'The specified inventory item could not be found.',
        ),
      );
      return;
    }
    if (!store.locations.has(locationId)) {
      errors.push(
        userError('INVALID_LOCATION', at('locationId'), 'The specified location could not be found.'),
      );
      return;
    }
    const level = item.levels.get(locationId);
    if (!level) {
      errors.push(
        userError(
          'ITEM_NOT_STOCKED_AT_LOCATION',
          at('locationId'),
          'The specified inventory item is not stocked at the location.',
        ),
      );
      return;
    }
    if (row.quantity < 0) {
      errors.push(userError('INVALID_QUANTITY_NEGATIVE', at('quantity'), "The quantity can't be negative."));
      return;
    }
    if (row.quantity > MAX_QUANTITY) {
      errors.push(
        userError(
          'INVALID_QUANTITY_TOO_HIGH',
          at('quantity'),
          "The quantity can't be higher than 1,000,000,000.",
        ),
      );
      return;
    }
    const current = input.name === 'on_hand' ? level.available + level.committed : level.available;
    if ('changeFromQuantity' in row) {
      // 2026-01+: changeFromQuantity wins over the compare fields; null opts out of the check
      if (
        row.changeFromQuantity !== null &&
        row.changeFromQuantity !== undefined &&
        row.changeFromQuantity !== current
      ) {
        errors.push(
          userError(
            'CHANGE_FROM_QUANTITY_STALE',
            at('changeFromQuantity'),
            'The changeFromQuantity value does not match persisted value.',
          ),
        );
        return;
      }
    } else if (legacyCompare && input.ignoreCompareQuantity !== true) {
      if (row.compareQuantity === undefined || row.compareQuantity === null) {
        errors.push(
          userError(
            'COMPARE_QUANTITY_REQUIRED',
            at('compareQuantity'),
            'The compareQuantity argument must be given to each quantity or ignored using ignoreCompareQuantity.',
          ),
        );
        return;
      }
      if (row.compareQuantity !== current) {
        errors.push(
          userError(
            'COMPARE_QUANTITY_STALE',
            at('compareQuantity'),
            'The compareQuantity value does not match persisted value.',
          ),
        );
        return;
      }
    }
    targets.push({ item, level, row, locationId });
  });
  if (errors.length > 0) return payload(null, errors);

  const changes: ChangeRecord[] = [];
  const now = store.now();
  for (const { item, level, row, locationId } of targets) {
    const onHandBefore = level.available + level.committed;
    const delta = input.name === 'on_hand' ? row.quantity - onHandBefore : row.quantity - level.available;
    level.available += delta;
    level.updatedAt = now;
    item.updatedAt = now;
    if (locationId === store.defaultLocationId) item.history.push(level.available);
    if (delta === 0) continue;
    const base = {
      __typename: 'InventoryChange' as const,
      delta,
      ledgerDocumentUri: null,
      itemId: item.id,
      locationId,
    };
    changes.push({ ...base, name: 'available', quantityAfterChange: level.available });
    changes.push({ ...base, name: 'on_hand', quantityAfterChange: level.available + level.committed });
  }
  if (changes.length === 0) return payload(null, []); // nothing moved: Shopify creates no adjustment group
  return payload(
    {
      __typename: 'InventoryAdjustmentGroup',
      id: store.nextGroupId(),
      createdAt: now,
      reason: input.reason,
      referenceDocumentUri: input.referenceDocumentUri ?? null,
      changesList: changes,
    },
    [],
  );
}
