export { format, FORMAT_WIDTH, type FormatResult } from './format/layout.ts';
