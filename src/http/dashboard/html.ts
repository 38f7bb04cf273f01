/**
 * Safe HTML building for the auditor dashboard: every interpolated value is escaped by the `html` tag unless it is
 * already a `Html` fragment, and the page layout uses the NHS design system's classes and stylesheet.
 */

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export type Value = Html | string | number | boolean | undefined | null | readonly Value[];

function render(value: Value): string {
  if (value === undefined || value === null || value === false) {
    return '';
  }
  if (value instanceof Html) {
    return value.value;
  }
  if (Array.isArray(value)) {
    return (value as readonly Value[]).map(render).join('');
  }
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  return new Html(strings.reduce((out, part, i) => out + part + (i < values.length ? render(values[i]) : ''), ''));
}

export interface TableOptions {
  readonly id?: string;
  /** Read by screen readers; hidden on screen, where the heading above the table says the same. */
  readonly caption: string;
  readonly headers: readonly string[];
  /** One array of cell contents per row, in header order. */
  readonly rows: readonly (readonly Value[])[];
  readonly describedBy?: string;
}

/** An NHS design system table with a caption and column headers, so every table reads the same way. */
export function table(options: TableOptions): Html {
  return html`<table
    class="nhsuk-table"
    ${options.id !== undefined ? html`id="${options.id}"` : ''}
    ${options.describedBy !== undefined ? html`aria-describedby="${options.describedBy}"` : ''}
  >
    <caption class="nhsuk-table__caption nhsuk-u-visually-hidden">
      ${options.caption}
    </caption>
    <thead class="nhsuk-table__head">
      <tr class="nhsuk-table__row">
        ${options.headers.map((header) => html`<th scope="col" class="nhsuk-table__header">${header}</th>`)}
      </tr>
    </thead>
    <tbody class="nhsuk-table__body">
      ${options.rows.map(
        (cells) =>
          html`<tr class="nhsuk-table__row">
            ${cells.map((cell) => html`<td class="nhsuk-table__cell">${cell}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** An NHS design system summary list: one key and its value per row, as a message's or a document's details read. */
export function summaryList(rows: readonly (readonly [string, Value])[], id?: string): Html {
  return html`<dl class="nhsuk-summary-list" ${id !== undefined ? html`id="${id}"` : ''}>
    ${rows.map(
      ([key, value]) =>
        html`<div class="nhsuk-summary-list__row">
          <dt class="nhsuk-summary-list__key">${key}</dt>
          <dd class="nhsuk-summary-list__value">${value}</dd>
        </div>`,
    )}
  </dl>`;
}

const NAV: readonly [string, string][] = [
  ['/audit', 'Messages'],
  ['/audit/reconciliation', 'Reconciliation'],
  ['/audit/verify', 'Ledger verification'],
];

export function page(title: string, current: string, body: Html): string {
  return html`<!doctype html>
    <html lang="en-GB">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} – sp-fhir-adapter audit</title>
        <link rel="stylesheet" href="/audit/assets/nhsuk-frontend.min.css" />
      </head>
      <body>
        <a class="nhsuk-skip-link" href="#main-content">Skip to main content</a>
        <header class="nhsuk-header" role="banner">
          <div class="nhsuk-header__container nhsuk-width-container">
            <div class="nhsuk-header__service">
              <a class="nhsuk-header__service-name" href="/audit">Social prescribing adapter: audit</a>
            </div>
          </div>
          <nav class="nhsuk-header__navigation" aria-label="Audit sections">
            <div class="nhsuk-width-container">
              <ul class="nhsuk-header__navigation-list">
                ${NAV.map(
                  ([href, label]) =>
                    html`<li class="nhsuk-header__navigation-item">
                      <a
                        class="nhsuk-header__navigation-link"
                        href="${href}"
                        ${current === href ? new Html(' aria-current="page"') : ''}
                        >${label}</a
                      >
                    </li>`,
                )}
              </ul>
            </div>
          </nav>
        </header>
        <div class="nhsuk-width-container">
          <main class="nhsuk-main-wrapper" id="main-content" role="main">
            <h1 class="nhsuk-heading-l">${title}</h1>
            ${body}
          </main>
        </div>
      </body>
    </html>`.value;
}

export function textInput(name: string, label: string, value: string | undefined, hint?: string): Html {
  return html`<div class="nhsuk-form-group">
    <label class="nhsuk-label" for="${name}">${label}</label>
    ${hint !== undefined ? html`<div class="nhsuk-hint" id="${name}-hint">${hint}</div>` : ''}
    <input
      class="nhsuk-input nhsuk-input--width-20"
      id="${name}"
      name="${name}"
      type="text"
      value="${value ?? ''}"
      ${hint !== undefined ? new Html(` aria-describedby="${escapeHtml(name)}-hint"`) : ''}
    />
  </div>`;
}

export function errorSummary(problems: readonly { text: string; field?: string }[]): Html {
  return html`<div class="nhsuk-error-summary" aria-labelledby="error-summary-title" role="alert" tabindex="-1">
    <h2 class="nhsuk-error-summary__title" id="error-summary-title">There is a problem</h2>
    <div class="nhsuk-error-summary__body">
      <ul class="nhsuk-list nhsuk-error-summary__list">
        ${problems.map((p) => html`<li>${p.field !== undefined ? html`<a href="#${p.field}">${p.text}</a>` : p.text}</li>`)}
      </ul>
    </div>
  </div>`;
}
