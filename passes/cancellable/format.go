package cancellable

import "go/token"

const (
	mulOp = token.MUL // a load: *p
	notOp = token.NOT
	eqlOp = token.EQL
	neqOp = token.NEQ
)

// A fmtVerb is one verb of a Printf format, the argument it consumes.
type fmtVerb struct {
	verb   rune
	offset int // byte offset of the verb letter in the format
}

// parseVerbs lists the verbs of a Printf format, one per argument consumed
// (a * width or precision consumes one too, with verb '*'). It fails on
// explicit argument indexes, which this analysis does not follow.
func parseVerbs(format string) ([]fmtVerb, bool) {
	var verbs []fmtVerb
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			continue
		}
		for i < len(format) && (format[i] == '+' || format[i] == '-' || format[i] == '#' || format[i] == ' ' || format[i] == '0') {
			i++
		}
		// width and precision
		for part := 0; part < 2; part++ {
			if i < len(format) && format[i] == '[' {
				return nil, false
			}
			if i < len(format) && format[i] == '*' {
				verbs = append(verbs, fmtVerb{verb: '*', offset: i})
				i++
			}
			for i < len(format) && format[i] >= '0' && format[i] <= '9' {
				i++
			}
			if part == 0 && i < len(format) && format[i] == '.' {
				i++
				continue
			}
			break
		}
		if i < len(format) && format[i] == '[' {
			return nil, false
		}
		if i >= len(format) {
			break
		}
		verbs = append(verbs, fmtVerb{verb: rune(format[i]), offset: i})
	}
	return verbs, true
}
