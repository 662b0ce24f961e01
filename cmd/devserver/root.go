package main

import (
	"fmt"
	"strings"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/version"
	"github.com/devserver/devserver/session"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// newRoot builds the command tree. Nothing here loads the config: commands
// that need it load it in their RunE, so a broken file cannot break help or
// shell completion.
func newRoot(env runEnv) *cobra.Command {
	root := &cobra.Command{
		Use:   "devserver [ADDRPORT]",
		Short: "Django's runserver for any stack, driven by a checked-in config file",
		Long: `devserver builds and runs your app behind a small HTTP front server, watches
the project by polling (it works on NFS, SMB, Docker and VM shares) and
restarts the app when files change, holding requests so that none fails.

It reads devserver.yaml or devserver.toml from the working directory or its
parents, with named profiles (devserver --profile lan), a personal
devserver.local.yaml overlay, DEVSERVER_* environment variables for every key
(DEVSERVER_PORT, DEVSERVER_WATCH_INTERVAL, ...) and flags above all.

ADDRPORT is a port or address:port, as for runserver: 9000, 0.0.0.0:9000,
[::1]:9000, 0:9000 (every interface) or :9000 (the configured address).`,
		Example: `  devserver                       # the nearest devserver.yaml, http://127.0.0.1:8000/
  devserver 9000                  # on port 9000
  devserver --profile lan --qr    # reachable from a phone: scan the code
  devserver --run 'python3 -m http.server $PORT' --livereload
  devserver config --explain      # where each value comes from`,
		Version:                    version.String(),
		Args:                       rootArgs,
		SilenceUsage:               true,
		SilenceErrors:              true,
		SuggestionsMinimumDistance: 2,
		RunE: func(cmd *cobra.Command, args []string) error {
			addrPort := ""
			if len(args) == 1 {
				addrPort = args[0]
			}
			return runServe(cmd, env, addrPort)
		},
	}
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetVersionTemplate("devserver {{.Version}}\n")
	root.SetFlagErrorFunc(flagError)

	pf := root.PersistentFlags()
	pf.StringP("config", "c", "", "config file (default: nearest devserver.yaml, .yml or .toml; env DEVSERVER_CONFIG)")
	pf.StringP("profile", "p", "", "profile to use (env DEVSERVER_PROFILE; default: the file's profile key)")
	_ = root.MarkPersistentFlagFilename("config", "yaml", "yml", "toml")
	_ = root.RegisterFlagCompletionFunc("profile", completeProfiles(env))
	addOverrideFlags(root)
	root.Flags().Bool("no-color", false, "no colours in the log (also NO_COLOR)")
	root.Flags().String("log-format", "human", "the log's format: human (aligned lines for a person), text (logfmt) or json (env DEVSERVER_LOG_FORMAT)")
	_ = root.RegisterFlagCompletionFunc("log-format", cobra.FixedCompletions(session.LogFormats, cobra.ShellCompDirectiveNoFileComp))
	root.Flags().Bool("open", false, "open the browser at the server's address once it serves (BROWSER names the browser)")
	root.Flags().Bool("qr", false, "draw a QR code of the network URL in the banner, for phones (with --profile lan)")

	root.SetHelpCommand(newHelpCmd(root))
	root.AddCommand(newInitCmd(env), newConfigCmd(env), newProfilesCmd(env), newValidateCmd(env), newWhyCmd(env), newSchemaCmd(), newManCmd(), newTrustCmd(env), newVersionCmd(), newGuardCmd())
	root.AddCommand(controlCmds(env)...)
	return root
}

// rootArgs accepts at most one ADDRPORT. A word that is no address but close
// to a command name is a typo of that command, not an address.
func rootArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 1 {
		return usageError{fmt.Errorf("too many arguments %q; devserver takes at most one ADDRPORT", args)}
	}
	if len(args) == 0 {
		return nil
	}
	if _, err := config.ParseAddrPort(args[0]); err != nil {
		if typo := typoCommand(cmd, args); typo != nil {
			return typo
		}
		return usageError{fmt.Errorf("ADDRPORT %q: %w", args[0], err)}
	}
	return nil
}

func completeProfiles(env runEnv) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		opts := loadOptions(cmd, env, "")
		delete(opts.Flags, "profile")
		l, err := config.Load(opts)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, p := range l.Profiles {
			out = append(out, p.Name+"\t"+p.Summary())
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), version.Line())
			return err
		},
	}
}

// newHelpCmd is help with a did-you-mean for a topic that is no command,
// rather than the root's help as if it were asked for.
func newHelpCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			var names []string
			for _, c := range root.Commands() {
				if c.IsAvailableCommand() {
					names = append(names, c.Name()+"\t"+c.Short)
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(_ *cobra.Command, args []string) error {
			cmd, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 || (cmd == root && len(args) > 0) {
				topic := strings.Join(args, " ")
				if s := root.SuggestionsFor(args[len(args)-1]); len(s) > 0 {
					return usageError{fmt.Errorf("no help topic %q; did you mean %q?", topic, s[0])}
				}
				return usageError{fmt.Errorf("no help topic %q (the commands are listed by devserver --help)", topic)}
			}
			return cmd.Help()
		},
	}
}

// flagError is a flag mistake as a usage error, with the nearest flag of
// the command for an unknown one: "unknown flag: --prot (did you mean
// --port?)".
func flagError(cmd *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return usageError{err}
	}
	var known []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			known = append(known, f.Name)
		}
	})
	if s := config.Suggest(name, known); s != "" {
		return usageError{fmt.Errorf("%w (did you mean --%s?)", err, s)}
	}
	return usageError{err}
}
