// The one shape of a webview document: a Content-Security-Policy that starts from `default-src 'none'` (each view
// adds only what it loads), the viewport, a title, then the view's own head and body. Plain strings, no vscode
// import, so views render in unit tests too.

export interface WebviewDocument {
  title: string;
  /** the directives a view needs beyond `default-src 'none'` (its nonce'd script, styles, fonts, images) */
  allow: string[];
  /** what goes in <head> after the title: style sheets, a nonce'd style block */
  head: string;
  body: string;
}

export function webviewDocument(doc: WebviewDocument): string {
  const csp = ["default-src 'none'", ...doc.allow].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${doc.title}</title>
${doc.head}
</head>
<body>
${doc.body}
</body>
</html>`;
}
