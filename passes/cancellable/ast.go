package cancellable

import (
	"go/ast"
	"go/token"

	"golang.org/x/tools/go/ast/astutil"
)

// fileOf returns the syntax of the package file that contains pos.
func (s *state) fileOf(pos token.Pos) *ast.File {
	if tf := s.pass.Fset.File(pos); tf != nil {
		return s.files[tf]
	}
	return nil
}

// inGeneratedFile reports whether pos is in a generated file (see the
// -generated flag).
func (s *state) inGeneratedFile(pos token.Pos) bool {
	file := s.fileOf(pos)
	return file != nil && ast.IsGenerated(file)
}

// pathTo returns the syntax nodes that enclose pos, innermost first.
func (s *state) pathTo(pos token.Pos) []ast.Node {
	file := s.fileOf(pos)
	if file == nil || !pos.IsValid() {
		return nil
	}
	path, _ := astutil.PathEnclosingInterval(file, pos, pos)
	return path
}

// handlerNode returns the if statement or case clause whose condition
// holds pos (the test that took an error in), or nil.
func (s *state) handlerNode(pos token.Pos) ast.Node {
	for _, n := range s.pathTo(pos) {
		switch n := n.(type) {
		case *ast.IfStmt:
			if n.Cond != nil && n.Cond.Pos() <= pos && pos < n.Cond.End() {
				return n
			}
		case *ast.CaseClause:
			for _, e := range n.List {
				if e.Pos() <= pos && pos < e.End() {
					return n
				}
			}
		case *ast.FuncLit, *ast.FuncDecl:
			return nil
		}
	}
	return nil
}

// statementAt returns the statement that contains pos, or nil.
func (s *state) statementAt(pos token.Pos) ast.Stmt {
	for _, n := range s.pathTo(pos) {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return nil
		case ast.Stmt:
			if _, block := n.(*ast.BlockStmt); !block {
				return n
			}
		}
	}
	return nil
}

// callExprAt returns the call expression whose left parenthesis is at pos.
func (s *state) callExprAt(lparen token.Pos) *ast.CallExpr {
	for _, n := range s.pathTo(lparen) {
		if c, ok := n.(*ast.CallExpr); ok && c.Lparen == lparen {
			return c
		}
	}
	return nil
}

// callStart returns where the call whose left parenthesis is at lparen
// begins: a call path's steps and the findings reported at a call point
// there, not at the parenthesis. It is memoised: every summary
// computation asks again.
func (s *state) callStart(lparen token.Pos) token.Pos {
	if start, ok := s.callStarts[lparen]; ok {
		return start
	}
	start := lparen
	if call := s.callExprAt(lparen); call != nil {
		start = call.Pos()
	}
	if s.callStarts == nil {
		s.callStarts = make(map[token.Pos]token.Pos)
	}
	s.callStarts[lparen] = start
	return start
}

// source returns the text of a node as written.
func (s *state) source(n ast.Node) string {
	tf := s.pass.Fset.File(n.Pos())
	if tf == nil {
		return ""
	}
	src, err := s.pass.ReadFile(tf.Name())
	if err != nil {
		return ""
	}
	start, end := tf.Offset(n.Pos()), tf.Offset(n.End())
	if start < 0 || end > len(src) || start > end {
		return ""
	}
	return string(src[start:end])
}
