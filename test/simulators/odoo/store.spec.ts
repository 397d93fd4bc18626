import { Store } from './store';

describe('Odoo simulator store', () => {
  const ids = (store: Store): number[] => [...store.rows('x.model')].map((row) => row.id);

  it('keeps rows in id order, also when a removal is undone', () => {
    const store = new Store({});
    for (let i = 0; i < 4; i++) store.insert('x.model', { name: `row ${i}` });
    expect(() =>
      store.transaction(() => {
        store.remove('x.model', 2);
        throw new Error('constraint failed');
      }),
    ).toThrow('constraint failed');
    expect(ids(store)).toEqual([1, 2, 3, 4]);
    expect(store.get('x.model', 2)).toMatchObject({ id: 2, name: 'row 1' });
  });
});
