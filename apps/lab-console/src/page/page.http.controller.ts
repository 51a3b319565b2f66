import { Controller, Get, Header } from '@nestjs/common';
import { pageSecurityPolicy, renderPage } from './page.html';

const PAGE = renderPage();
const POLICY = pageSecurityPolicy();

@Controller()
export class PageHttpController {
  /** The live pipeline page. Its policy replaces the app-wide one, to let its own inline script run. */
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', POLICY)
  @Header('cache-control', 'no-cache')
  page(): string {
    return PAGE;
  }
}
