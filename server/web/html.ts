/** The HTML shell every page address answers with. Its only variable parts are escaped. */
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export function renderShell(options: { lng: string; version: string; noscript: string }): string {
  const v = encodeURIComponent(options.version);
  return `<!doctype html>
<html lang="${escapeHtml(options.lng)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>locflow</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css?v=${v}">
<script type="module" src="/assets/app.js?v=${v}"></script>
</head>
<body>
<div id="app"><noscript>${escapeHtml(options.noscript)}</noscript></div>
</body>
</html>
`;
}
