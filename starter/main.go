// Command starter is the developer's and operator's command line: start an
// order discovery, a single import or notification, or a stock sync now;
// look at a shop's runs and schedules; manage the Temporal Schedules;
// validate a mapping table; authorize the connector at LOGILESS; serve the
// payload codec to the Web UI when payloads are encrypted. Every
// command that starts a workflow prints its ID and a link to the run in the
// Temporal Web UI.
//
// Usage: starter <command> [flags]; `starter --help` lists the commands and
// `starter <command> --help` explains one. Exit codes: 0 success, 1 a run or
// a check failed (or Temporal could not be reached), 2 the command line is
// wrong. Errors print their cause on the first line, details after.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes of the starter.
const (
	exitOK     = 0
	exitFailed = 1 // a run or a check failed, or a service could not be reached
	exitUsage  = 2 // the command line is wrong
)

// version is set at build time with -ldflags "-X main.version=…"; without
// it the module version and VCS revision recorded by go build are shown.
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// execute runs the command line args and returns the exit code.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCommand()
	root.SetArgs(doubleDashLongFlags(root, args))
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	return report(stderr, cmd, err)
}

// globalFlags are the flags every command takes.
type globalFlags struct {
	webUIURL string
}

// flags of the command line being executed (one per process).
var flags globalFlags

func newRootCommand() *cobra.Command {
	flags = globalFlags{}
	root := &cobra.Command{
		Use:   "starter",
		Short: "Start and inspect the ecforce ⇄ LOGILESS connector's runs on Temporal",
		Long: `starter starts the connector's workflows now (an order discovery, one import, a
shipment discovery or notification, a stock sync), shows a shop's runs and
schedules, manages the Temporal Schedules of every shop, checks a mapping
table, authorizes the connector at LOGILESS and, when payloads are encrypted,
serves the payload codec to the Web UI (codec-server).

Settings come from CONNECTOR_* environment variables (CONNECTOR_TEMPORAL_ADDRESS,
CONNECTOR_SHOPS_FILE, CONNECTOR_WEB_UI_URL, …; see docs/configuration.md). Only
logiless-auth reads the shop's secrets; every other command works without them.

Exit codes: 0 success, 1 a run or a check failed, 2 the command line is wrong.
Times are printed in JST.`,
		Example: `  starter import-orders --shop demo --wait
  starter status --shop demo
  starter wake --shop demo --order EC00010008
  starter reconcile-stock --shop demo --full --dry-run
  starter schedules list
  starter mapping validate mapping.csv
  starter codec-server`,
		Version:           buildVersion(),
		Args:              noSubcommand,
		RunE:              needSubcommand,
		SilenceErrors:     true,
		SilenceUsage:      true,
		DisableAutoGenTag: true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetVersionTemplate("starter {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err.Error()} })
	root.PersistentFlags().StringVar(&flags.webUIURL, "web-ui-url", "",
		"Temporal Web UI base URL for the links printed (default $CONNECTOR_WEB_UI_URL, else http://localhost:8233)")

	root.AddGroup(&cobra.Group{ID: "run", Title: "Start runs now:"},
		&cobra.Group{ID: "look", Title: "Look and manage:"},
		&cobra.Group{ID: "setup", Title: "Set up:"})
	for _, c := range []*cobra.Command{
		newImportOrdersCommand(), newImportOrderCommand(),
		newNotifyShipmentsCommand(), newNotifyShipmentCommand(),
		newReconcileStockCommand(),
	} {
		c.GroupID = "run"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{newStatusCommand(), newWakeCommand(), newSchedulesCommand(), newCodecServerCommand()} {
		c.GroupID = "look"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{newMappingCommand(), newMappingValidateAlias(), newLogilessAuthCommand()} {
		c.GroupID = "setup"
		root.AddCommand(c)
	}
	root.AddCommand(newCompletionCommand(root))
	root.SetHelpCommand(newHelpCommand())
	markCommandErrors(root)
	return root
}

// doubleDashLongFlags turns -shop into --shop (and -shop=x into --shop=x)
// for every long flag name of the tree, as the starter accepted both
// spellings before it used cobra; "--" ends the flags.
func doubleDashLongFlags(root *cobra.Command, args []string) []string {
	long := map[string]bool{"help": true, "version": true}
	var collect func(c *cobra.Command)
	collect = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) { long[f.Name] = len(f.Name) > 1 })
		c.PersistentFlags().VisitAll(func(f *pflag.Flag) { long[f.Name] = len(f.Name) > 1 })
		for _, sub := range c.Commands() {
			collect(sub)
		}
	}
	collect(root)
	out := make([]string, len(args))
	for i, a := range args {
		if a == "--" {
			copy(out[i:], args[i:])
			break
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(a, "-"), "=")
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && long[name] {
			a = "-" + a
		}
		out[i] = a
	}
	return out
}

// buildVersion is version, or what go build recorded about the module.
func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, at, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = ", modified"
			}
		}
	}
	if rev != "" {
		v += fmt.Sprintf(" (commit %.12s%s", rev, dirty)
		if at != "" {
			v += ", " + at
		}
		v += ")"
	}
	return v + ", " + info.GoVersion
}

// noSubcommand rejects arguments of a command that only groups others: an
// argument there is a subcommand that does not exist.
func noSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, ", "))
	}
	return usageError{msg}
}

// needSubcommand runs a command that only groups others, called alone: it
// prints the help and fails as a usage error.
func needSubcommand(cmd *cobra.Command, _ []string) error {
	cmd.SetOut(cmd.ErrOrStderr())
	_ = cmd.Help()
	return usageError{"a command is required"}
}

func newHelpCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Show the help of any command",
		Long:  "help prints the description, flags and examples of a command (the same as --help).",
		Example: `  starter help
  starter help schedules backfill`,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			target, _, err := cmd.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []cobra.Completion
			for _, c := range target.Commands() {
				if c.IsAvailableCommand() {
					names = append(names, cobra.CompletionWithDesc(c.Name(), c.Short))
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := cmd.Root().Find(args)
			if err != nil || target == nil || len(rest) > 0 {
				return usageError{fmt.Sprintf("no command %q to explain; starter --help lists them", strings.Join(args, " "))}
			}
			target.SetOut(cmd.OutOrStdout())
			return target.Help()
		},
	}
}

func newCompletionCommand(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script",
		Long: `completion prints a script that lets the shell complete the starter's commands,
flags, shop codes and flow names. Load it in the current shell or install it
once, as the examples show.`,
		Example: `  source <(starter completion bash)                  # bash, this shell
  starter completion bash > /etc/bash_completion.d/starter
  starter completion zsh > "${fpath[1]}/_starter"     # zsh
  starter completion fish > ~/.config/fish/completions/starter.fish
  starter completion powershell | Out-String | Invoke-Expression`,
		ValidArgs:             []string{"bash", "zsh", "fish", "powershell"},
		Args:                  exactArgs(1, "a shell: bash, zsh, fish or powershell", cobra.OnlyValidArgs),
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			default:
				return root.GenPowerShellCompletionWithDesc(out)
			}
		},
	}
}

// exactArgs wants n positional arguments, described by what, and then
// passes them to more (if not nil).
func exactArgs(n int, what string, more cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Sprintf("takes %s, got %d arguments", what, len(args))}
		}
		if more != nil {
			if err := more(cmd, args); err != nil {
				return usageError{err.Error()}
			}
		}
		return nil
	}
}
