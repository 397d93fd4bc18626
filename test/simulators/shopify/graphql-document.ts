/**
 * A small GraphQL document parser: enough of the language for what clients really send to the Admin API
 * (operations, variables, arguments, aliases, directives, inline fragments and named fragments).
 * It is not a general GraphQL engine; the simulator's schema (shopify-schema.ts) gives the parsed tree meaning.
 */
export interface SourceLocation {
  line: number;
  column: number;
}

export type ValueNode =
  | { kind: 'variable'; name: string }
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'enum'; value: string }
  | { kind: 'list'; values: ValueNode[] }
  | { kind: 'object'; fields: Array<{ name: string; value: ValueNode }> };

export interface DirectiveNode {
  name: string;
  args: Array<{ name: string; value: ValueNode }>;
  loc: SourceLocation;
}

export interface FieldNode {
  kind: 'field';
  alias?: string;
  name: string;
  args: Array<{ name: string; value: ValueNode }>;
  directives: DirectiveNode[];
  selections: SelectionNode[];
  loc: SourceLocation;
}

export interface InlineFragmentNode {
  kind: 'inline';
  typeCondition?: string;
  directives: DirectiveNode[];
  selections: SelectionNode[];
  loc: SourceLocation;
}

export interface FragmentSpreadNode {
  kind: 'spread';
  name: string;
  directives: DirectiveNode[];
  loc: SourceLocation;
}

export type SelectionNode = FieldNode | InlineFragmentNode | FragmentSpreadNode;

export type TypeNode =
  { kind: 'named'; name: string } | { kind: 'list'; of: TypeNode } | { kind: 'nonNull'; of: TypeNode };

export interface VariableDefinition {
  name: string;
  type: TypeNode;
  defaultValue?: ValueNode;
}

export interface OperationNode {
  type: 'query' | 'mutation' | 'subscription';
  name?: string;
  variables: VariableDefinition[];
  directives: DirectiveNode[];
  selections: SelectionNode[];
  loc: SourceLocation;
}

export interface FragmentDefinition {
  name: string;
  typeCondition: string;
  selections: SelectionNode[];
}

export interface GraphqlDocument {
  operations: OperationNode[];
  fragments: Map<string, FragmentDefinition>;
}

/** A syntax error, phrased like Shopify's (graphql-ruby) parse errors. */
export class GraphqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly loc: SourceLocation,
  ) {
    super(message);
    this.name = 'GraphqlSyntaxError';
  }
}

type TokenKind = 'punct' | 'name' | 'int' | 'float' | 'string' | 'eof';
interface Token {
  kind: TokenKind;
  value: string;
  loc: SourceLocation;
}

const PUNCTUATORS = new Set(['!', '$', '(', ')', ':', '=', '@', '[', ']', '{', '}', '|', '&']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const loc = (at: number): SourceLocation => ({ line, column: at - lineStart + 1 });
  while (i < source.length) {
    const c = source[i] ?? '';
    if (c === '\n') {
      i += 1;
      line += 1;
      lineStart = i;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === ',' || c === '\ufeff') {
      i += 1;
    } else if (c === '#') {
      while (i < source.length && source[i] !== '\n') i += 1;
    } else if (c === '.' && source.startsWith('...', i)) {
      tokens.push({ kind: 'punct', value: '...', loc: loc(i) });
      i += 3;
    } else if (PUNCTUATORS.has(c)) {
      tokens.push({ kind: 'punct', value: c, loc: loc(i) });
      i += 1;
    } else if (/[_A-Za-z]/.test(c)) {
      const start = i;
      while (i < source.length && /[_0-9A-Za-z]/.test(source[i] ?? '')) i += 1;
      tokens.push({ kind: 'name', value: source.slice(start, i), loc: loc(start) });
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(source.slice(i));
      if (!m)
        throw new GraphqlSyntaxError(
          `Parse error on "${c}" (error) at [${line}, ${i - lineStart + 1}]`,
          loc(i),
        );
      tokens.push({ kind: m[2] || m[3] ? 'float' : 'int', value: m[0], loc: loc(i) });
      i += m[0].length;
    } else if (c === '"') {
      const start = i;
      if (source.startsWith('"""', i)) {
        const end = source.indexOf('"""', i + 3);
        if (end < 0)
          throw new GraphqlSyntaxError(
            `Parse error: unterminated string at [${line}, ${i - lineStart + 1}]`,
            loc(i),
          );
        const raw = source.slice(i + 3, end);
        tokens.push({ kind: 'string', value: raw.replace(/\\"""/g, '"""'), loc: loc(start) });
        for (const ch of raw) if (ch === '\n') line += 1;
        i = end + 3;
      } else {
        let value = '';
        i += 1;
        for (;;) {
          const d = source[i];
          if (d === undefined || d === '\n')
            throw new GraphqlSyntaxError(
              `Parse error: unterminated string at [${line}, ${start - lineStart + 1}]`,
              loc(start),
            );
          if (d === '"') break;
          if (d === '\\') {
            const e = source[i + 1] ?? '';
            const simple: Record<string, string> = {
              '"': '"',
              '\\': '\\',
              '/': '/',
              b: '\b',
              f: '\f',
              n: '\n',
              r: '\r',
              t: '\t',
            };
            if (e === 'u') {
              value += String.fromCharCode(parseInt(source.slice(i + 2, i + 6), 16));
              i += 6;
            } else {
              value += simple[e] ?? e;
              i += 2;
            }
          } else {
            value += d;
            i += 1;
          }
        }
        i += 1;
        tokens.push({ kind: 'string', value, loc: loc(start) });
      }
    } else {
      throw new GraphqlSyntaxError(
        `Parse error on "${c}" (error) at [${line}, ${i - lineStart + 1}]`,
        loc(i),
      );
    }
  }
  tokens.push({ kind: 'eof', value: '', loc: { line, column: i - lineStart + 1 } });
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos] ?? (this.tokens[this.tokens.length - 1] as Token);
  }
  private next(): Token {
    const t = this.peek();
    this.pos += 1;
    return t;
  }
  private fail(t: Token): never {
    const shown = t.kind === 'eof' ? 'end of file' : `"${t.value}" (${t.kind.toUpperCase()})`;
    throw new GraphqlSyntaxError(`Parse error on ${shown} at [${t.loc.line}, ${t.loc.column}]`, t.loc);
  }
  private isPunct(value: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.value === value;
  }
  private expectPunct(value: string): Token {
    const t = this.next();
    if (t.kind !== 'punct' || t.value !== value) this.fail(t);
    return t;
  }
  private expectName(): Token {
    const t = this.next();
    if (t.kind !== 'name') this.fail(t);
    return t;
  }

  document(): GraphqlDocument {
    const operations: OperationNode[] = [];
    const fragments = new Map<string, FragmentDefinition>();
    while (this.peek().kind !== 'eof') {
      const t = this.peek();
      if (t.kind === 'punct' && t.value === '{') {
        operations.push({
          type: 'query',
          variables: [],
          directives: [],
          selections: this.selectionSet(),
          loc: t.loc,
        });
      } else if (
        t.kind === 'name' &&
        (t.value === 'query' || t.value === 'mutation' || t.value === 'subscription')
      ) {
        operations.push(this.operation());
      } else if (t.kind === 'name' && t.value === 'fragment') {
        this.next();
        const name = this.expectName().value;
        const on = this.expectName();
        if (on.value !== 'on') this.fail(on);
        const typeCondition = this.expectName().value;
        this.directives();
        fragments.set(name, { name, typeCondition, selections: this.selectionSet() });
      } else {
        this.fail(t);
      }
    }
    return { operations, fragments };
  }

  private operation(): OperationNode {
    const head = this.next();
    const type = head.value as OperationNode['type'];
    const name = this.peek().kind === 'name' ? this.next().value : undefined;
    const variables: VariableDefinition[] = [];
    if (this.isPunct('(')) {
      this.next();
      while (!this.isPunct(')')) {
        this.expectPunct('$');
        const varName = this.expectName().value;
        this.expectPunct(':');
        const varType = this.type();
        let defaultValue: ValueNode | undefined;
        if (this.isPunct('=')) {
          this.next();
          defaultValue = this.value(true);
        }
        this.directives();
        variables.push({ name: varName, type: varType, ...(defaultValue ? { defaultValue } : {}) });
      }
      this.next();
    }
    const directives = this.directives();
    return {
      type,
      ...(name !== undefined ? { name } : {}),
      variables,
      directives,
      selections: this.selectionSet(),
      loc: head.loc,
    };
  }

  private type(): TypeNode {
    let t: TypeNode;
    if (this.isPunct('[')) {
      this.next();
      const of = this.type();
      this.expectPunct(']');
      t = { kind: 'list', of };
    } else {
      t = { kind: 'named', name: this.expectName().value };
    }
    if (this.isPunct('!')) {
      this.next();
      t = { kind: 'nonNull', of: t };
    }
    return t;
  }

  private selectionSet(): SelectionNode[] {
    this.expectPunct('{');
    const selections: SelectionNode[] = [];
    while (!this.isPunct('}')) {
      if (this.peek().kind === 'eof') this.fail(this.peek());
      selections.push(this.selection());
    }
    this.next();
    if (selections.length === 0) this.fail(this.tokens[this.pos - 1] as Token);
    return selections;
  }

  private selection(): SelectionNode {
    const t = this.peek();
    if (t.kind === 'punct' && t.value === '...') {
      this.next();
      const after = this.peek();
      if (after.kind === 'name' && after.value === 'on') {
        this.next();
        const typeCondition = this.expectName().value;
        const directives = this.directives();
        return { kind: 'inline', typeCondition, directives, selections: this.selectionSet(), loc: t.loc };
      }
      if (after.kind === 'name') {
        const name = this.next().value;
        return { kind: 'spread', name, directives: this.directives(), loc: t.loc };
      }
      const directives = this.directives();
      return { kind: 'inline', directives, selections: this.selectionSet(), loc: t.loc };
    }
    const first = this.expectName();
    let alias: string | undefined;
    let name = first.value;
    if (this.isPunct(':')) {
      this.next();
      alias = first.value;
      name = this.expectName().value;
    }
    const args = this.isPunct('(') ? this.arguments(false) : [];
    const directives = this.directives();
    const selections = this.isPunct('{') ? this.selectionSet() : [];
    return {
      kind: 'field',
      ...(alias !== undefined ? { alias } : {}),
      name,
      args,
      directives,
      selections,
      loc: first.loc,
    };
  }

  private arguments(constOnly: boolean): Array<{ name: string; value: ValueNode }> {
    this.expectPunct('(');
    const args: Array<{ name: string; value: ValueNode }> = [];
    while (!this.isPunct(')')) {
      const name = this.expectName().value;
      this.expectPunct(':');
      args.push({ name, value: this.value(constOnly) });
    }
    this.next();
    return args;
  }

  private directives(): DirectiveNode[] {
    const directives: DirectiveNode[] = [];
    while (this.isPunct('@')) {
      const at = this.next();
      const name = this.expectName().value;
      directives.push({ name, args: this.isPunct('(') ? this.arguments(false) : [], loc: at.loc });
    }
    return directives;
  }

  private value(constOnly: boolean): ValueNode {
    const t = this.next();
    switch (t.kind) {
      case 'int':
        return { kind: 'int', value: Number(t.value) };
      case 'float':
        return { kind: 'float', value: Number(t.value) };
      case 'string':
        return { kind: 'string', value: t.value };
      case 'name':
        if (t.value === 'true' || t.value === 'false') return { kind: 'boolean', value: t.value === 'true' };
        if (t.value === 'null') return { kind: 'null' };
        return { kind: 'enum', value: t.value };
      case 'punct':
        if (t.value === '$' && !constOnly) return { kind: 'variable', name: this.expectName().value };
        if (t.value === '[') {
          const values: ValueNode[] = [];
          while (!this.isPunct(']')) values.push(this.value(constOnly));
          this.next();
          return { kind: 'list', values };
        }
        if (t.value === '{') {
          const fields: Array<{ name: string; value: ValueNode }> = [];
          while (!this.isPunct('}')) {
            const name = this.expectName().value;
            this.expectPunct(':');
            fields.push({ name, value: this.value(constOnly) });
          }
          this.next();
          return { kind: 'object', fields };
        }
        return this.fail(t);
      case 'eof':
        return this.fail(t);
    }
  }
}

export function parseGraphql(source: string): GraphqlDocument {
  return new Parser(tokenize(source)).document();
}

/** Resolves a literal or variable to a plain JSON value; an absent variable is `undefined`. */
export function valueOf(node: ValueNode, variables: Record<string, unknown>): unknown {
  switch (node.kind) {
    case 'variable':
      return variables[node.name];
    case 'int':
    case 'float':
    case 'string':
    case 'boolean':
    case 'enum':
      return node.value;
    case 'null':
      return null;
    case 'list':
      return node.values.map((v) => valueOf(v, variables));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const f of node.fields) {
        const v = valueOf(f.value, variables);
        if (v !== undefined) out[f.name] = v; // an unset variable inside an object means "field absent"
      }
      return out;
    }
  }
}

export function typeToString(t: TypeNode): string {
  switch (t.kind) {
    case 'named':
      return t.name;
    case 'list':
      return `[${typeToString(t.of)}]`;
    case 'nonNull':
      return `${typeToString(t.of)}!`;
  }
}
