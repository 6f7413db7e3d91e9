/**
 * Panel components render into the light DOM: one stylesheet (served by the add-on, no inline
 * styles under the Content-Security-Policy) styles them all, uPlot's included.
 */
import { LitElement } from 'lit';

export class LightElement extends LitElement {
  protected override createRenderRoot(): HTMLElement {
    return this;
  }
}
