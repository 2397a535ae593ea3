package report

import (
	"regexp"
	"strings"
)

// Markdown escaping shared by the Markdown outputs (load report, compare,
// capacity, parity, rightsize), so that user-provided names (check and
// group names, request names and URLs, service names, file names) render
// literally on GitHub and in $GITHUB_STEP_SUMMARY instead of as HTML tags
// or extra table columns.

// mdText escapes what would not render literally in GitHub-flavoured
// Markdown text: a backslash, "<" and ">" (an HTML tag such as <b> or
// <script>, or an autolink), "|" (a table column), "*", "_" and "~"
// (emphasis, strikethrough), "[" and "]" (a link), "`" (a code span), and
// "&" when it starts an entity reference such as &lt;. A newline becomes a
// space, so a value stays on its table row or list item.
var mdText = strings.NewReplacer(
	`\`, `\\`,
	"<", `\<`,
	">", `\>`,
	"|", `\|`,
	"*", `\*`,
	"_", `\_`,
	"~", `\~`,
	"[", `\[`,
	"]", `\]`,
	"`", "\\`",
	"\r\n", " ",
	"\n", " ",
	"\r", " ",
)

// entityRef matches the escaped form of an "&" that starts a named,
// decimal or hexadecimal character reference.
var entityRef = regexp.MustCompile(`&(#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)`)

// MarkdownText returns s escaped for GitHub-flavoured Markdown text and
// table cells: it renders as s, character for character ("<b>" stays
// "<b>", "a|b" stays in one cell), whatever s holds. Use it for every
// user-provided name written outside a code span.
func MarkdownText(s string) string {
	s = mdText.Replace(s)
	if strings.Contains(s, "&") {
		s = entityRef.ReplaceAllString(s, `\&$1`)
	}
	return s
}

// MarkdownCode returns s as a code span for a Markdown table cell: in
// backticks (more of them than the longest run of backticks in s), with
// "|" escaped, as GFM tables require even inside code spans, and newlines
// as spaces. "<" and ">" need no escaping there: a code span is literal.
func MarkdownCode(s string) string {
	s = strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}
