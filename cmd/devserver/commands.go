package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/localca"
	"github.com/devserver/devserver/internal/localnet"
	"github.com/devserver/devserver/internal/version"
	"github.com/devserver/devserver/session"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func newConfigCmd(env runEnv) *cobra.Command {
	var format string
	var explain bool
	cmd := &cobra.Command{
		Use:   "config [KEY...]",
		Short: "Print the effective config (or some keys: watch, app.run), or with --explain where each value comes from",
		Long: `Print the configuration devserver would run with, after the file, the chosen
profile, the local overlay, DEVSERVER_* variables and flags. It takes the same
flags as devserver itself, so

  devserver config --profile lan --port 9000

shows exactly what 'devserver --profile lan --port 9000' would run. Keys
(app.run) or sections (watch) print only those.`,
		Example: `  devserver config --explain
  devserver config --profile lan --format json
  devserver config watch app.run
  DEVSERVER_PORT=9100 devserver config --explain port`,
		RunE: func(cmd *cobra.Command, keys []string) error {
			if err := config.CheckFormat(format); err != nil {
				return usageError{fmt.Errorf("--format: %w", err)}
			}
			l, err := load(cmd, loadOptions(cmd, env, ""))
			if err != nil {
				return err
			}
			if explain {
				return config.WriteExplain(cmd.OutOrStdout(), l, keys...)
			}
			out, err := config.Marshal(l.Config, format, keys...)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "yaml", "output format: yaml, toml or json")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"yaml", "toml", "json"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().BoolVar(&explain, "explain", false, "list each value with where it came from")
	addOverrideFlags(cmd)
	return cmd
}

func newValidateCmd(env runEnv) *cobra.Command {
	var noFile bool
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the config file and every profile; exit 2 on any problem",
		Long: `Check the config file, its local overlay and every profile, and exit 2 on
any problem, each named with its file:line:col. Without a config file it
fails too (a CI job run in the wrong directory must not pass), unless
--no-file-ok says the built-in defaults are meant.`,
		Example: `  devserver validate
  devserver validate --profile lan
  devserver validate --config deploy/devserver.yaml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, checked, err := config.Validate(loadOptions(cmd, env, ""))
			if err != nil {
				return err
			}
			sayWarnings(cmd, l)
			if l.File == "" && !noFile {
				return exitError{exitUsage, fmt.Errorf("no devserver.yaml, devserver.yml or devserver.toml in %s or its parents (run devserver init, give --config FILE, or --no-file-ok to check the built-in defaults)", l.Config.Root)}
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), l.Verdict(checked))
			return err
		},
	}
	cmd.Flags().BoolVar(&noFile, "no-file-ok", false, "pass without a config file, checking the built-in defaults")
	addOverrideFlags(cmd)
	return cmd
}

func newProfilesCmd(env runEnv) *cobra.Command {
	return &cobra.Command{
		Use:     "profiles",
		Short:   "List the profiles, what each extends and its description",
		Example: "  devserver profiles\n  devserver profiles --config deploy/devserver.yaml",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := load(cmd, loadOptions(cmd, env, ""))
			if err != nil {
				return err
			}
			return config.WriteProfiles(cmd.OutOrStdout(), l)
		},
	}
}

func newInitCmd(env runEnv) *cobra.Command {
	var format string
	var force bool
	cmd := &cobra.Command{
		Use:     "init",
		Short:   "Write a commented starter devserver.yaml (or .toml) and git-ignore the local overlay",
		Example: "  devserver init\n  devserver init --format toml\n  devserver init --force",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "yaml" && format != "toml" {
				return usageError{fmt.Errorf("--format: unknown format %q (allowed: yaml, toml)", format)}
			}
			in, err := config.Init(env.Dir, format, force)
			if errors.Is(err, config.ErrExists) {
				return exitError{exitFailure, err}
			}
			if err != nil {
				return err
			}
			return in.Report(cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&format, "format", "yaml", "file format: yaml or toml")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"yaml", "toml"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing config file")
	return cmd
}

func newTrustCmd(env runEnv) *cobra.Command {
	var printOnly bool
	cmd := &cobra.Command{
		Use:   "trust",
		Short: "Make this machine trust the local CA that tls: auto serves HTTPS with (or print how)",
		Long: `Make this machine trust the local certificate authority that --https (tls:
auto) makes in .devserver/tls, so that browsers stop warning: in the system's
store and, on Linux, in Chrome's. What needs an administrator is printed with
sudo for you to run; the rest is done. The CA is made first if it is not
there yet. It signs only for local names and addresses (docs/SECURITY.md).`,
		Example: "  devserver trust\n  devserver trust --print",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := load(cmd, loadOptions(cmd, env, ""))
			if err != nil {
				return err
			}
			err = localca.Trust(cmd.OutOrStdout(), localca.TrustOptions{Root: l.Config.Root, Hosts: localnet.Names(l.Config.Addr),
				Environ: env.Environ, Name: l.Name, PrintOnly: printOnly})
			if step := (*localca.StepError)(nil); errors.As(err, &step) {
				return exitError{exitFailure, err}
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&printOnly, "print", false, "print the commands, run none")
	return cmd
}

func newWhyCmd(env runEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "why PATH",
		Short: "Say what a change to PATH does: left out (by which rule), or what restarts and reloads",
		Long: `Say what saving PATH does with this config, as a running devserver would
take it: left out, and by which rule (.gitignore:3, watch.ignore, a default,
an editor's temporary file, no glob, outside watch.paths); or which units
restart, by which glob of which key; and whether open pages reload. The file
need not exist.`,
		Example: `  devserver why logs/app.log
  devserver why templates/index.html --profile lan`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := config.Load(loadOptions(cmd, env, ""))
			if err != nil {
				return err
			}
			path := args[0]
			if !filepath.IsAbs(path) {
				path = filepath.Join(env.Dir, path)
			}
			lines, err := session.Why(l, path)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), strings.Join(lines, "\n"))
			return err
		},
	}
	addOverrideFlags(cmd)
	return cmd
}

func newSchemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of devserver.yaml and devserver.toml, for editors",
		Long: `Print the JSON Schema of the config files, made from the key table: types,
allowed values, defaults and each key's description as hover text. init writes
the line that points editors at it (# yaml-language-server: $schema=... for
YAML, #:schema ... for TOML); docs/devserver.schema.json is this output.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			data, err := config.Schema()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), string(data))
			return err
		},
	}
}

// newManCmd writes a man page for every command into DIR, for the
// release archives (scripts/dist); hidden, as it is for packagers.
func newManCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "__man DIR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			header := &doc.GenManHeader{Title: "DEVSERVER", Section: "1", Source: "devserver " + version.String(), Manual: "devserver"}
			return doc.GenManTree(cmd.Root(), header, args[0])
		},
	}
}
