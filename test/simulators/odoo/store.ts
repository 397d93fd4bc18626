import type { Row, Value } from './types';

/**
 * In-memory tables with foreign-key indexes and an undo journal: every RPC call runs in `transaction()`,
 * so a call that fails half-way leaves nothing behind, like a PostgreSQL rollback. Id sequences are not
 * rolled back (neither are PostgreSQL's).
 */
export class Store {
  private readonly tables = new Map<string, Map<number, Row>>();
  private readonly sequences = new Map<string, number>();
  /** model -> many2one field -> referenced id -> row ids. */
  private readonly indexes = new Map<string, Map<string, Map<number, Set<number>>>>();
  private journal: Array<() => void> | null = null;

  constructor(indexed: Record<string, string[]>) {
    for (const [model, fields] of Object.entries(indexed))
      this.indexes.set(model, new Map(fields.map((field) => [field, new Map<number, Set<number>>()])));
  }

  /** In id order: ids only grow, and an undone removal puts its row back in place. */
  rows(model: string): IterableIterator<Row> {
    return this.table(model).values();
  }

  get(model: string, id: number): Row | undefined {
    return this.table(model).get(id);
  }

  /** Rows of `model` whose many2one `field` points at `id`. */
  referencing(model: string, field: string, id: number): Row[] {
    const index = this.indexes.get(model)?.get(field);
    if (!index) return [...this.rows(model)].filter((row) => row[field] === id);
    const table = this.table(model);
    return [...(index.get(id) ?? [])].flatMap((rowId) => table.get(rowId) ?? []);
  }

  insert(model: string, values: Record<string, Value>): Row {
    const id = (this.sequences.get(model) ?? 0) + 1;
    this.sequences.set(model, id);
    const row: Row = { ...values, id };
    this.put(model, row);
    this.journal?.push(() => this.drop(model, id));
    return row;
  }

  update(model: string, id: number, values: Record<string, Value>): Row {
    const row = this.table(model).get(id);
    if (!row) throw new Error(`store: ${model}(${id}) does not exist`);
    const before: Row = { ...row };
    this.unindex(model, row);
    Object.assign(row, values);
    this.index(model, row);
    this.journal?.push(() => {
      this.unindex(model, row);
      for (const key of Object.keys(row)) delete row[key];
      Object.assign(row, before);
      this.index(model, row);
    });
    return row;
  }

  remove(model: string, id: number): void {
    const row = this.table(model).get(id);
    if (!row) return;
    this.drop(model, id);
    this.journal?.push(() => {
      this.put(model, row);
      const table = this.table(model);
      const inOrder = [...table].sort(([a], [b]) => a - b);
      table.clear();
      for (const [rowId, r] of inOrder) table.set(rowId, r);
    });
  }

  /** Runs `fn` atomically: on a throw every change made inside is undone. Nested calls join the outer one. */
  transaction<T>(fn: () => T): T {
    if (this.journal) return fn();
    const journal: Array<() => void> = [];
    this.journal = journal;
    try {
      return fn();
    } catch (err) {
      this.journal = null;
      for (const undo of journal.reverse()) undo();
      throw err;
    } finally {
      this.journal = null;
    }
  }

  private table(model: string): Map<number, Row> {
    let table = this.tables.get(model);
    if (!table) {
      table = new Map();
      this.tables.set(model, table);
    }
    return table;
  }

  private put(model: string, row: Row): void {
    this.table(model).set(row.id, row);
    this.index(model, row);
  }

  private drop(model: string, id: number): void {
    const row = this.table(model).get(id);
    if (!row) return;
    this.unindex(model, row);
    this.table(model).delete(id);
  }

  private index(model: string, row: Row): void {
    const indexes = this.indexes.get(model);
    if (!indexes) return;
    for (const [field, index] of indexes) {
      const ref = row[field];
      if (typeof ref !== 'number') continue;
      let ids = index.get(ref);
      if (!ids) {
        ids = new Set();
        index.set(ref, ids);
      }
      ids.add(row.id);
    }
  }

  private unindex(model: string, row: Row): void {
    const indexes = this.indexes.get(model);
    if (!indexes) return;
    for (const [field, index] of indexes) {
      const ref = row[field];
      if (typeof ref === 'number') index.get(ref)?.delete(row.id);
    }
  }
}
