package httpjs

import "testing"

// TestBodyStrings: res.body reads as the body's text whatever came before
// it. A VU reuses the string of the last text body it read when the next
// one is equal (sharedBody); these rows pin down that nothing of that
// shows: equal bodies compare equal, different ones keep their own text,
// a string a script kept survives later requests, and binary bodies stay
// ArrayBuffers.
func TestBodyStrings(t *testing.T) {
	e := newEnv(t, testServer(t), nil)
	echo := func(s string) string { return `http.post(BASE + '/gunzip', ` + s + `)` }
	runRows(t, e, []row{
		{"same body twice", `const a = ` + echo(`'same'`) + `, b = ` + echo(`'same'`) + `; return [a.body, b.body, a.body === b.body, typeof b.body, a.body === a.body]`,
			`["same","same",true,"string",true]`},
		{"alternating bodies", `const a = ` + echo(`'one'`) + `, b = ` + echo(`'two'`) + `, c = ` + echo(`'one'`) + `; const x = [a.body, b.body, c.body, a.body]; return [x, a.body === c.body, a.body === b.body]`,
			`[["one","two","one","one"],true,false]`},
		{"prefix and longer", `return [` + echo(`'same'`) + `.body, ` + echo(`'sam'`) + `.body, ` + echo(`'same!'`) + `.body, ` + echo(`'same'`) + `.body]`,
			`["same","sam","same!","same"]`},
		{"kept string survives", `const a = ` + echo(`'keep me'`) + `; const s = a.body; for (let i = 0; i < 3; i++) ` + echo(`'other ' + i`) + `.body; return [s, a.body, ` + echo(`'keep me'`) + `.body === s]`,
			`["keep me","keep me",true]`},
		{"unicode", `const a = ` + echo(`'héllo ✓'`) + `, b = ` + echo(`'héllo ✓'`) + `; return [a.body, b.body.length, a.body === b.body, b.body.charCodeAt(1)]`,
			`["héllo ✓",7,true,233]`},
		{"over the shared size", `const a = http.get(BASE + '/range/601'), b = http.get(BASE + '/range/601'), c = http.get(BASE + '/range/5'); return [a.body === b.body, b.body.length, b.body.slice(24, 28), c.body, a.body.length]`,
			`[true,601,"yzab","abcde",601]`},
		{"empty", `const a = ` + echo(`''`) + `, b = ` + echo(`''`) + `; return [a.body, b.body, typeof b.body]`,
			`["","","string"]`},
		{"binary after the same text", `` + echo(`'same'`) + `.body; const r = http.post(BASE + '/gunzip', 'same', { responseType: 'binary' }); const t = ` + echo(`'same'`) + `.body; return [r.body instanceof ArrayBuffer, r.body.byteLength, t]`,
			`[true,4,"same"]`},
	})
}
