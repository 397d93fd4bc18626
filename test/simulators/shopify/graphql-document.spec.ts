import { GraphqlSyntaxError, parseGraphql, valueOf, type FieldNode } from './graphql-document';

describe('parseGraphql', () => {
  it('reads an operation with variables, aliases, directives, inline fragments and literals', () => {
    const doc = parseGraphql(`
      # a comment
      mutation Set($input: InventorySetQuantitiesInput!, $n: Int = 3) {
        done: inventorySetQuantities(input: $input) @idempotent(key: "k-\\"1\\"") {
          userErrors { code field message }
        }
      }
      query Read($ids: [ID!]!) { nodes(ids: $ids) { ... on InventoryItem { id } ...F } }
      fragment F on InventoryItem { sku }
    `);
    expect(doc.operations.map((o) => [o.type, o.name])).toEqual([
      ['mutation', 'Set'],
      ['query', 'Read'],
    ]);
    const set = doc.operations[0];
    expect(set?.variables.map((v) => v.name)).toEqual(['input', 'n']);
    const field = set?.selections[0] as FieldNode;
    expect(field).toMatchObject({ alias: 'done', name: 'inventorySetQuantities' });
    expect(field.directives[0]?.name).toBe('idempotent');
    expect(valueOf(field.directives[0]!.args[0]!.value, {})).toBe('k-"1"');
    const nodes = doc.operations[1]?.selections[0] as FieldNode;
    expect(nodes.selections.map((s) => s.kind)).toEqual(['inline', 'spread']);
    expect(doc.fragments.get('F')?.typeCondition).toBe('InventoryItem');
  });

  it('resolves literal objects, lists, enums and variables to JSON values', () => {
    const doc = parseGraphql('{ f(a: {x: 1, y: [true, null, 2.5], z: $v, e: ENUM, s: """block"""}) { id } }');
    const f = doc.operations[0]?.selections[0] as FieldNode;
    expect(valueOf(f.args[0]!.value, { v: 'V' })).toEqual({
      x: 1,
      y: [true, null, 2.5],
      z: 'V',
      e: 'ENUM',
      s: 'block',
    });
    expect(valueOf(f.args[0]!.value, {})).toEqual({ x: 1, y: [true, null, 2.5], e: 'ENUM', s: 'block' });
  });

  it('names the line and column of a syntax error', () => {
    expect(() => parseGraphql('query {\n  shop { name }\n  }}')).toThrow(GraphqlSyntaxError);
    expect(() => parseGraphql('query {\n  shop { name }\n  }}')).toThrow(
      'Parse error on "}" (PUNCT) at [3, 4]',
    );
    expect(() => parseGraphql('{ shop { name }')).toThrow('Parse error on end of file');
  });
});
