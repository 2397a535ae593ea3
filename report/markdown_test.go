package report

import "testing"

func TestMarkdownText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain name", "plain name"},
		{"<b>bold</b>", `\<b\>bold\</b\>`},
		{"a|b", `a\|b`},
		{`C:\dir`, `C:\\dir`},
		{"http://h/get?q=<script>&x=1", `http://h/get?q=\<script\>&x=1`},
		{"&lt;not an entity&gt;", `\&lt;not an entity\&gt;`},
		{"&#60; &#x3C;", `\&#60; \&#x3C;`},
		{"two\nlines\r\nhere", "two lines here"},
		{"*not bold* _nor italic_ ~~struck~~", `\*not bold\* \_nor italic\_ \~\~struck\~\~`},
		{"[a link](http://h/)", `\[a link\](http://h/)`},
		{"has `code`", "has \\`code\\`"},
		{"status_is_200", `status\_is\_200`},
	}
	for _, tt := range tests {
		if got := MarkdownText(tt.in); got != tt.want {
			t.Errorf("MarkdownText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMarkdownCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http_req_duration{name:a}", "`http_req_duration{name:a}`"},
		{"p(95)<300", "`p(95)<300`"},
		{"name:a|b", "`name:a\\|b`"},
		{"has `tick`", "`` has `tick` ``"},
		{"`x`", "`` `x` ``"},
		{"a\nb", "`a b`"},
	}
	for _, tt := range tests {
		if got := MarkdownCode(tt.in); got != tt.want {
			t.Errorf("MarkdownCode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
