// What the extractors hand to the verifier: relations between source segments, with their exact offsets, so every
// verdict lands on the characters the user wrote.

export type RelationOp = 'Equal' | 'NotEqual' | 'Less' | 'LessEqual' | 'Greater' | 'GreaterEqual' | 'Approx';
export type Syntax = 'latex' | 'ascii';

/** A piece of the source: offsets into the checked text (end exclusive), already trimmed. */
export interface Segment {
  text: string;
  start: number;
  end: number;
}

/** One link `lhs op rhs` of a chain. */
export interface Link {
  op: RelationOp;
  lhs: Segment;
  rhs: Segment;
  /** links in the chain this one belongs to (a continued align row counts its predecessor) */
  chainLength: number;
  /** the left side was carried over from the previous row (`&= …`) */
  continuation: boolean;
  /** where the relation symbol starts (a continued row's step starts there) */
  opStart?: number;
}

/** Disjunction of conjunctions of relations: `x = 2 \text{ or } x = 3`, `x > 0, y > 0`. */
export type Formula = Link[][];

export type Claim =
  | {
      kind: 'link';
      syntax: Syntax;
      link: Link;
      start: number;
      end: number;
      /** the text marks a lone equation as a condition or definition: the cue ('solve', 'let', ':=', '\\text{for}') */
      cue?: string;
    }
  | {
      kind: 'implication';
      syntax: Syntax;
      op: 'implies' | 'iff';
      premise: Formula;
      conclusion: Formula;
      premiseText: string;
      conclusionText: string;
      /** consecutive equation rows with no arrow between them: checked only when they read as solving steps */
      implicit?: boolean;
      start: number;
      end: number;
    }
  | { kind: 'unparsed'; syntax: Syntax; start: number; end: number; reason: string };

export interface Extracted {
  claims: Claim[];
  /** math that states an assumption (`for $x > 0$`), in document order, with the offset where it starts to apply */
  assumptions: Array<{ link: Link; syntax: Syntax; at: number }>;
}

export const RELATION_OPS: Record<string, RelationOp> = {
  '=': 'Equal',
  '\\neq': 'NotEqual',
  '\\ne': 'NotEqual',
  '!=': 'NotEqual',
  '<': 'Less',
  '\\lt': 'Less',
  '\\le': 'LessEqual',
  '\\leq': 'LessEqual',
  '\\leqslant': 'LessEqual',
  '<=': 'LessEqual',
  '>': 'Greater',
  '\\gt': 'Greater',
  '\\ge': 'GreaterEqual',
  '\\geq': 'GreaterEqual',
  '\\geqslant': 'GreaterEqual',
  '>=': 'GreaterEqual',
  '\\approx': 'Approx',
  '\\equiv': 'Equal',
};

export const IMPLICATION_OPS: Record<string, 'implies' | 'iff'> = {
  '\\implies': 'implies',
  '\\Rightarrow': 'implies',
  '\\Longrightarrow': 'implies',
  '\\therefore': 'implies',
  '\\iff': 'iff',
  '\\Leftrightarrow': 'iff',
  '\\Longleftrightarrow': 'iff',
  '=>': 'implies',
  '==>': 'implies',
  '<=>': 'iff',
};

export const OP_SYMBOL: Record<RelationOp, string> = {
  Equal: '=',
  NotEqual: '≠',
  Less: '<',
  LessEqual: '≤',
  Greater: '>',
  GreaterEqual: '≥',
  Approx: '≈',
};
