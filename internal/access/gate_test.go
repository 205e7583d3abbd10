package access_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// systemWork lists the functions that may open a transaction without the gate (s.system,
// s.systemRead, or the store directly): work Bestow does on its own, which no caller
// starts through the API. Each has its reason.
var systemWork = map[string]string{
	"Init":               "creates the Default catalog and the settings at start",
	"init":               "Init's one attempt",
	"ActorFor":           "resolves who a caller is, before there is an actor to authorize",
	"Authenticate":       "resolves a token to its actor",
	"StartSession":       "signs a person in, after the portal has verified who they are",
	"SessionActor":       "resolves a session to its actor",
	"EndSession":         "signs a session out",
	"CreateToken":        "the CLI: whoever runs it holds the database",
	"ListTokens":         "the CLI",
	"Bootstrap":          "the CLI, on an empty database",
	"ClaimDeliveries":    "the delivery worker (internal/delivery)",
	"RecordDeliveries":   "the delivery worker (internal/delivery)",
	"Connector":          "the delivery worker: the settings of the connector it delivers through",
	"ClaimCallouts":      "the delivery worker: custom extension callouts that are due (CON-5)",
	"RecordCallouts":     "the delivery worker: the outcomes of the callouts it made (CON-5)",
	"ReconcileAll":       "the worker's periodic reconcile (ASG-6)",
	"DeclareConnectors":  "the connectors of the server's config file, at start",
	"reconcileRoles":     "a reconcile, after ReconcileConnector authorized its caller or for the worker",
	"compare":            "a reconcile, after ReconcileConnector authorized its caller or for the worker",
	"Sweep":              "the worker's sweep",
	"purgeExpired":       "the worker's sweep (ASG-4)",
	"sweepAssignments":   "the worker's sweep",
	"sweepExternalUsers": "the worker's sweep (EXT-2)",
	"ClaimMessages":      "the mail outbox (internal/notify)",
	"RecordMessages":     "the mail outbox (internal/notify)",
	"recipients":         "the mail outbox",
	"system":             "the gate itself",
	"systemRead":         "the gate itself",
	"read":               "the gate itself",
	"write":              "the gate itself",
}

// TestGateEveryUseCase enforces the gate by structure (SEC-3): outside gate.go nothing in
// the domain calls Actor.Authorize or Actor.Can (use cases decide through their op), and
// only the functions in systemWork open a transaction that bypasses the gate. Together
// with the gate's own check (a transaction that never decided fails) and the route walk
// in graphapi, a use case without an authorization check cannot answer.
func TestGateEveryUseCase(t *testing.T) { // SEC-3
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var bypass []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				pos := fset.Position(call.Pos())
				switch sel.Sel.Name {
				case "Authorize", "Can":
					if x, ok := sel.X.(*ast.SelectorExpr); ok && x.Sel.Name == "who" && name != "gate.go" && name != "privilege.go" {
						t.Errorf("%s: %s calls who.%s; decide through the op (tx.authorize, tx.can) so the gate records it", pos, fn.Name.Name, sel.Sel.Name)
					}
				case "system", "systemRead":
					if _, ok := systemWork[fn.Name.Name]; !ok {
						bypass = append(bypass, pos.String()+": "+fn.Name.Name+" calls s."+sel.Sel.Name)
					}
				case "Read", "Write":
					if x, ok := sel.X.(*ast.SelectorExpr); ok && x.Sel.Name == "store" {
						if _, ok := systemWork[fn.Name.Name]; !ok || (fn.Name.Name != "system" && fn.Name.Name != "systemRead" && fn.Name.Name != "read" && fn.Name.Name != "write") {
							bypass = append(bypass, pos.String()+": "+fn.Name.Name+" opens a store transaction directly")
						}
					}
				}
				return true
			})
		}
	}
	sort.Strings(bypass)
	for _, b := range bypass {
		t.Errorf("%s outside the gate; a caller's use case must use s.read, s.write or update (or add the function to systemWork with its reason if nobody asks for it through the API)", b)
	}
}
