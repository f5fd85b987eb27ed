import { escapeHtml } from './escape-html.ts';

/** Markup the renderer made itself: put into a template as it is, never escaped again. */
export class Html {
  /** The markup. */
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  toString(): string {
    return this.text;
  }
}

/** What a template takes: text (escaped), markup (kept), lists of either, or nothing. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  // `false`, `null` and `undefined` render as nothing, so `${condition && html`…`}` reads well.
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/**
 * A tagged template for markup: every interpolated value is HTML-escaped text unless it is an
 * `Html` (made by this tag or `rawHtml`); lists are joined. Attribute values must be quoted in
 * the template (`class="${name}"`), where the escaped quotes keep them whole.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let text = strings[0]!;
  for (let index = 0; index < values.length; index++) text += render(values[index]) + strings[index + 1]!;
  return new Html(text);
}

/**
 * `text` as markup, unescaped. Only for text the renderer made or escaped itself (its own script
 * and style, `jsonForScript` output): never for anything read from a run.
 */
export function rawHtml(text: string): Html {
  return new Html(text);
}
