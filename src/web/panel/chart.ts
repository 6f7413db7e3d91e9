/**
 * `<sse-chart>`: one uPlot time series with a hover legend. `series` names the lines; `data` is
 * uPlot's aligned data (x in seconds; `null` where there was no data, drawn as a gap, not zero).
 * `span` fixes the time axis to a period (seconds): left to uPlot, one or two points would stretch
 * the axis over years. Colours come from the page's CSS variables, so the chart follows the
 * light/dark theme.
 */
import { html } from 'lit';
import uPlot from 'uplot';
import { LightElement } from './light-element.ts';

export interface ChartSeries {
  label: string;
  /** Formats a value for the axis and the legend. */
  unit?: string;
}

/** The time axis: its range in seconds since the epoch. */
export interface TimeSpan {
  min: number;
  max: number;
}

/** Hours and minutes up to two days, then month and day (uPlot's date templates, local time). */
const SHORT = uPlot.fmtDate('{HH}:{mm}');
const LONG = uPlot.fmtDate('{MMM} {D}');
const timeLabel = (span: number) => (span <= 2 * 86_400 ? SHORT : LONG);

const css = (name: string, fallback: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
const dark = window.matchMedia('(prefers-color-scheme: dark)');

export class ChartView extends LightElement {
  static override properties = { heading: {}, series: { attribute: false }, data: { attribute: false }, span: { attribute: false } };

  heading = '';
  series: ChartSeries[] = [];
  data: uPlot.AlignedData = [[]];
  /** The time axis range; undefined: the data's own range. */
  span: TimeSpan | undefined;
  /** The time axis labels last drawn (test/panel/history-axis.test.ts reads them). */
  timeLabels: string[] = [];
  #plot: uPlot | undefined;
  #resize = new ResizeObserver(() => this.#fit());
  readonly #rebuild = () => this.#draw(true);

  override connectedCallback(): void {
    super.connectedCallback();
    dark.addEventListener('change', this.#rebuild);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    dark.removeEventListener('change', this.#rebuild);
    this.#resize.disconnect();
    this.#plot?.destroy();
    this.#plot = undefined;
  }

  override render() {
    return html`<figure class="chart"><figcaption>${this.heading}</figcaption><div class="plot"></div></figure>`;
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    this.#draw(changed.has('series'));
  }

  /** The time axis as drawn: its scale's range (seconds) and labels. */
  timeAxis(): (TimeSpan & { labels: string[] }) | undefined {
    const x = this.#plot?.scales.x;
    if (x?.min == null || x.max == null) return undefined;
    return { min: x.min, max: x.max, labels: this.timeLabels };
  }

  #width(): number {
    return Math.max(200, this.querySelector('.plot')?.clientWidth ?? 300);
  }

  #fit(): void {
    if (this.#plot && Math.abs(this.#plot.width - this.#width()) > 2) this.#plot.setSize({ width: this.#width(), height: 180 });
  }

  #draw(rebuild: boolean): void {
    const host = this.querySelector<HTMLElement>('.plot');
    if (!host) return;
    if (this.#plot && !rebuild) {
      this.#plot.setData(this.data);
      return;
    }
    this.#plot?.destroy();
    const text = css('--secondary-text-color', '#727272');
    const grid = css('--divider-color', 'rgba(0,0,0,.12)');
    const colors = [1, 2, 3].map((i) => css(`--sse-chart-${i}`, '#03a9f4'));
    const axis = (unit?: string, x = false): uPlot.Axis => ({
      stroke: text,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      values: unit === undefined ? undefined : (_u, splits) => splits.map((v) => `${+v.toFixed(2)}${unit}`),
      size: x ? 50 : 50 + 7 * (unit ?? '').length,
    });
    const unit = this.series[0]?.unit;
    const timeAxis: uPlot.Axis = {
      ...axis(undefined, true),
      values: (_u, splits) => {
        const span = this.span ? this.span.max - this.span.min : (splits.at(-1) ?? 0) - (splits[0] ?? 0);
        const format = timeLabel(span);
        this.timeLabels = splits.map((v) => format(new Date(v * 1000)));
        return this.timeLabels;
      },
    };
    this.#plot = new uPlot(
      {
        width: this.#width(),
        height: 180,
        cursor: { drag: { x: false, y: false } },
        legend: { live: true },
        scales: {
          x: { time: true, range: (_u, min, max) => (this.span ? [this.span.min, this.span.max] : [min, max]) },
          y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
        },
        axes: [timeAxis, axis(unit)],
        series: [
          { value: '{YYYY}-{MM}-{DD} {HH}:{mm}' },
          ...this.series.map((s, i) => ({
            label: s.label,
            stroke: colors[i % colors.length],
            width: 2,
            spanGaps: false,
            value: (_u: uPlot, v: number | null) => (v == null ? '—' : `${+v.toFixed(2)}${s.unit ?? ''}`),
          })),
        ],
      },
      this.data,
      host,
    );
    this.#resize.disconnect();
    this.#resize.observe(host);
  }
}
