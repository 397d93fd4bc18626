import type { Env } from './env';
import { userError } from './errors';
import { expandLocations, inventoryLossLocation, isInternal } from './locations';
import * as orm from './orm';
import { isStorable, PENDING_MOVE_STATES } from './stock-quantities';
import type { Row } from './types';

/**
 * Stock operations with Odoo's effects on quants and moves: quant updates, reservation (at confirmation),
 * move completion, inventory adjustment. Every write goes through orm.update, so write_date is the
 * transaction's start time.
 */

const num = (value: unknown): number => Number(value ?? 0);
const round = (n: number): number => Math.round(n * 1e6) / 1e6;

export function findQuant(env: Env, productId: number, locationId: number): Row | undefined {
  return env.store
    .referencing('stock.quant', 'product_id', productId)
    .find((q) => q['location_id'] === locationId);
}

export function quantFor(env: Env, productId: number, locationId: number): Row {
  const existing = findQuant(env, productId, locationId);
  if (existing) return existing;
  const location = env.store.get('stock.location', locationId);
  const id = env.store.insert('stock.quant', {
    product_id: productId,
    location_id: locationId,
    company_id: (location?.['company_id'] as number | null | undefined) ?? null,
    quantity: 0,
    reserved_quantity: 0,
    inventory_quantity: 0,
    inventory_quantity_set: false,
    in_date: env.now,
    create_date: env.now,
    create_uid: env.uid,
    write_date: env.now,
    write_uid: env.uid,
  }).id;
  return env.store.get('stock.quant', id) as Row;
}

/** stock.quant._update_available_quantity */
function addQuantity(env: Env, productId: number, locationId: number, delta: number): void {
  const quant = quantFor(env, productId, locationId);
  orm.update(env, 'stock.quant', quant.id, {
    quantity: round(num(quant['quantity']) + delta),
    in_date: env.now,
  });
}

/** Internal quants of a product under a location, oldest first (FIFO removal). */
function quantsUnder(env: Env, productId: number, locationId: number): Row[] {
  const scope = expandLocations(env, [locationId], true);
  return env.store
    .referencing('stock.quant', 'product_id', productId)
    .filter(
      (q) =>
        scope.has(q['location_id'] as number) &&
        isInternal(env.store.get('stock.location', q['location_id'] as number)),
    )
    .sort((a, b) => num(a['in_date']) - num(b['in_date']) || a.id - b.id);
}

/** Tries to reserve what a move still needs (stock.move._action_assign). */
export function reserveMove(env: Env, move: Row): void {
  if (!PENDING_MOVE_STATES.has(String(move['state']))) return;
  const productId = move['product_id'] as number;
  const demand = num(move['product_uom_qty']);
  let reserved = num(move['quantity']);
  const source = env.store.get('stock.location', move['location_id'] as number);
  // consumables and moves out of non-internal locations (e.g. vendors) bypass reservation
  if (!isStorable(env, productId) || !isInternal(source)) reserved = demand;
  else
    for (const quant of quantsUnder(env, productId, move['location_id'] as number)) {
      const need = round(demand - reserved);
      if (need <= 0) break;
      const available = round(num(quant['quantity']) - num(quant['reserved_quantity']));
      if (available <= 0) continue;
      const take = Math.min(available, need);
      orm.update(env, 'stock.quant', quant.id, {
        reserved_quantity: round(num(quant['reserved_quantity']) + take),
      });
      reserved = round(reserved + take);
    }
  const state = reserved >= demand ? 'assigned' : reserved > 0 ? 'partially_available' : 'confirmed';
  orm.update(env, 'stock.move', move.id, { quantity: reserved, state });
}

/** Gives back what a move reserved (stock.move._do_unreserve). */
export function unreserveMove(env: Env, move: Row): void {
  let left = isStorable(env, move['product_id'] as number) ? num(move['quantity']) : 0;
  for (const quant of quantsUnder(env, move['product_id'] as number, move['location_id'] as number)) {
    if (left <= 0) break;
    const take = Math.min(left, num(quant['reserved_quantity']));
    if (take <= 0) continue;
    orm.update(env, 'stock.quant', quant.id, {
      reserved_quantity: round(num(quant['reserved_quantity']) - take),
    });
    left = round(left - take);
  }
  orm.update(env, 'stock.move', move.id, { quantity: 0, state: 'confirmed' });
}

export function cancelMove(env: Env, move: Row): void {
  if (move['state'] === 'done')
    throw userError("You cannot cancel a stock move that has been set to 'Done'.");
  unreserveMove(env, move);
  orm.update(env, 'stock.move', move.id, { state: 'cancel' });
}

/** Moves `quantity` (reserved or not) from the source to the destination and marks the move done. */
export function doneMove(env: Env, move: Row): void {
  const productId = move['product_id'] as number;
  const quantity = num(move['quantity']);
  if (isStorable(env, productId)) {
    const source = move['location_id'] as number;
    const touched = new Set<number>();
    let reserved = quantity;
    for (const quant of quantsUnder(env, productId, source)) {
      const take = Math.min(reserved, num(quant['reserved_quantity']));
      if (take <= 0) continue;
      orm.update(env, 'stock.quant', quant.id, {
        reserved_quantity: round(num(quant['reserved_quantity']) - take),
      });
      touched.add(quant.id);
      reserved = round(reserved - take);
    }
    removeQuantity(env, productId, source, quantity, touched);
    addQuantity(env, productId, move['location_dest_id'] as number, quantity);
  }
  orm.update(env, 'stock.move', move.id, { state: 'done', date: env.now, product_uom_qty: quantity });
}

/** Takes stock out of a location: quants the move had reserved first, then FIFO; a shortfall goes negative. */
function removeQuantity(
  env: Env,
  productId: number,
  locationId: number,
  quantity: number,
  preferred: Set<number>,
): void {
  const isSourceInternal = isInternal(env.store.get('stock.location', locationId));
  if (!isSourceInternal) {
    addQuantity(env, productId, locationId, -quantity);
    return;
  }
  const quants = quantsUnder(env, productId, locationId).sort(
    (a, b) => Number(preferred.has(b.id)) - Number(preferred.has(a.id)),
  );
  let left = quantity;
  for (const quant of quants) {
    const take = Math.min(left, num(quant['quantity']));
    if (take <= 0) continue;
    orm.update(env, 'stock.quant', quant.id, { quantity: round(num(quant['quantity']) - take) });
    left = round(left - take);
  }
  if (left > 0) addQuantity(env, productId, locationId, -left);
}

/**
 * stock.quant.action_apply_inventory: one done is_inventory move per counted quant, carrying the difference
 * between the Inventory adjustment location and the quant's location.
 */
export function applyInventory(env: Env, quantIds: number[]): void {
  const restocked = new Set<number>();
  for (const quantId of quantIds) {
    const quant = env.store.get('stock.quant', quantId);
    if (!quant || quant['inventory_quantity_set'] !== true) continue;
    const productId = quant['product_id'] as number;
    const locationId = quant['location_id'] as number;
    const diff = round(num(quant['inventory_quantity']) - num(quant['quantity']));
    if (diff !== 0) {
      const lossLocation = inventoryLossLocation(env, (quant['company_id'] as number | null) ?? null);
      const [from, to] = diff > 0 ? [lossLocation, locationId] : [locationId, lossLocation];
      const [moveId] = orm.create(env, 'stock.move', [
        {
          name: 'Product Quantity Updated',
          reference: 'Product Quantity Updated',
          product_id: productId,
          product_uom_qty: Math.abs(diff),
          location_id: from,
          location_dest_id: to,
          is_inventory: true,
          company_id: quant['company_id'] ?? false,
        },
      ]) as [number];
      // `quantity` is a hidden column on 16 (quantity_done there), so it is set below the RPC layer
      orm.update(env, 'stock.move', moveId, { quantity: Math.abs(diff), state: 'done' });
      addQuantity(env, productId, locationId, diff);
      addQuantity(env, productId, lossLocation, -diff);
      if (diff < 0) freeReservation(env, productId, locationId);
      else restocked.add(productId);
    }
    orm.update(env, 'stock.quant', quantId, { inventory_quantity: 0, inventory_quantity_set: false });
    orm.update(env, 'stock.location', locationId, {
      last_inventory_date: new Date(env.now).toISOString().slice(0, 10),
    });
  }
  for (const productId of restocked) triggerAssign(env, productId);
}

/** Counts `quantity` for a product in a location and applies it (both adjustment routes end here). */
export function setInventory(env: Env, productId: number, locationId: number, quantity: number): void {
  const quant = quantFor(env, productId, locationId);
  orm.update(env, 'stock.quant', quant.id, { inventory_quantity: quantity, inventory_quantity_set: true });
  applyInventory(env, [quant.id]);
}

/**
 * When stock drops below what is reserved at a location, moves lose their reservation, newest first
 * (stock.move.line._free_reservation).
 */
function freeReservation(env: Env, productId: number, locationId: number): void {
  const quant = findQuant(env, productId, locationId);
  if (!quant) return;
  let excess = round(num(quant['reserved_quantity']) - Math.max(0, num(quant['quantity'])));
  if (excess <= 0) return;
  const scopeOf = (move: Row): Set<number> => expandLocations(env, [move['location_id'] as number], true);
  const moves = env.store
    .referencing('stock.move', 'product_id', productId)
    .filter(
      (m) => ['assigned', 'partially_available'].includes(String(m['state'])) && scopeOf(m).has(locationId),
    )
    .sort((a, b) => b.id - a.id);
  for (const move of moves) {
    if (excess <= 0) break;
    const take = Math.min(excess, num(move['quantity']));
    const quantity = round(num(move['quantity']) - take);
    orm.update(env, 'stock.move', move.id, {
      quantity,
      state: quantity > 0 ? 'partially_available' : 'confirmed',
    });
    orm.update(env, 'stock.quant', quant.id, {
      reserved_quantity: round(num(quant['reserved_quantity']) - take),
    });
    excess = round(excess - take);
  }
  refreshPickings(
    env,
    moves.map((m) => m['picking_id']),
  );
}

/** New stock reserves for moves that were waiting for it (stock.move._trigger_assign). */
export function triggerAssign(env: Env, productId: number): void {
  const waiting = env.store
    .referencing('stock.move', 'product_id', productId)
    .filter(
      (m) => ['confirmed', 'partially_available'].includes(String(m['state'])) && reservesAtConfirm(env, m),
    )
    .sort((a, b) => a.id - b.id);
  for (const move of waiting) reserveMove(env, move);
  refreshPickings(
    env,
    waiting.map((m) => m['picking_id']),
  );
}

function reservesAtConfirm(env: Env, move: Row): boolean {
  const typeId = move['picking_type_id'];
  const type = typeof typeId === 'number' ? env.store.get('stock.picking.type', typeId) : undefined;
  return (type?.['reservation_method'] ?? 'at_confirm') === 'at_confirm';
}

/** stock.picking._compute_state from its moves (move_type 'direct'). */
export function refreshPickings(env: Env, pickingIds: unknown[]): void {
  for (const id of new Set(pickingIds)) {
    if (typeof id !== 'number') continue;
    const states = env.store.referencing('stock.move', 'picking_id', id).map((m) => String(m['state']));
    const live = states.filter((s) => s !== 'cancel');
    let state = 'draft';
    if (states.length > 0 && live.length === 0) state = 'cancel';
    else if (live.length > 0 && live.every((s) => s === 'done')) state = 'done';
    else if (live.some((s) => s === 'assigned' || s === 'partially_available')) state = 'assigned';
    else if (live.some((s) => s === 'confirmed' || s === 'waiting')) state = 'confirmed';
    if (env.store.get('stock.picking', id)?.['state'] !== state)
      orm.update(env, 'stock.picking', id, { state });
  }
}
