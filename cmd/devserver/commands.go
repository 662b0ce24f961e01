package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/devserver/devserver/config"
	"github.com/spf13/cobra"
)

func newConfigCmd(env runEnv) *cobra.Command {
	var format string
	var explain bool
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Print the effective config, or with --explain where each value comes from",
		Long: `Print the configuration devserver would run with, after the file, the chosen
profile, the local overlay, DEVSERVER_* variables and flags. It takes the same
flags as devserver itself, so

  devserver config --profile lan --port 9000

shows exactly what 'devserver --profile lan --port 9000' would run.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := config.CheckFormat(format); err != nil {
				return usageError{fmt.Errorf("--format: %w", err)}
			}
			l, err := config.Load(loadOptions(cmd, env, ""))
			if err != nil {
				return err
			}
			if explain {
				return config.WriteExplain(cmd.OutOrStdout(), l)
			}
			out, err := config.Marshal(l.Config, format)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "yaml", "output format: yaml, toml or json")
	cmd.Flags().BoolVar(&explain, "explain", false, "list each value with where it came from")
	addOverrideFlags(cmd)
	return cmd
}

func newValidateCmd(env runEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the config file and every profile; exit 2 on any problem",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := loadOptions(cmd, env, "")
			l, err := config.Load(opts)
			if err != nil {
				return err
			}
			// The chosen profile loaded; now every other one, so that a
			// problem that only shows in one profile is found too.
			checked := []string{}
			var problems config.ErrorList
			if _, chosen := opts.Flags["profile"]; !chosen {
				for _, p := range l.Profiles {
					popts := opts
					popts.Flags = map[string]string{"profile": p.Name}
					for k, v := range opts.Flags {
						popts.Flags[k] = v
					}
					popts.Flags["profile"] = p.Name
					_, err := config.Load(popts)
					var list config.ErrorList
					if errors.As(err, &list) {
						problems = appendNew(problems, list)
					} else if err != nil {
						return err
					}
					checked = append(checked, p.Name)
				}
			} else if l.Config.Profile != "" {
				checked = append(checked, l.Config.Profile)
			}
			if len(problems) > 0 {
				return problems
			}
			name := "built-in defaults (no config file)"
			if l.File != "" {
				name = l.Name(l.File)
				if l.Overlay != "" {
					name += " + " + l.Name(l.Overlay)
				}
			}
			profiles := "no profiles"
			if len(checked) > 0 {
				profiles = fmt.Sprintf("profiles: %s", strings.Join(checked, ", "))
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (%s)\n", name, profiles)
			return err
		},
	}
	addOverrideFlags(cmd)
	return cmd
}

// appendNew adds the problems of list that are not in have yet.
func appendNew(have, list config.ErrorList) config.ErrorList {
	for _, e := range list {
		if !slices.ContainsFunc(have, func(h *config.Error) bool { return h.Error() == e.Error() }) {
			have = append(have, e)
		}
	}
	return have
}

func newProfilesCmd(env runEnv) *cobra.Command {
	return &cobra.Command{
		Use:   "profiles",
		Short: "List the profiles, what each extends and its description",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := config.Load(loadOptions(cmd, env, ""))
			if err != nil {
				return err
			}
			return writeProfiles(cmd.OutOrStdout(), l)
		},
	}
}

func writeProfiles(w io.Writer, l *config.Loaded) error {
	if len(l.Profiles) == 0 {
		where := "there is no config file"
		if l.File != "" {
			where = l.Name(l.File) + " defines none"
		}
		_, err := fmt.Fprintf(w, "no profiles: %s\n", where)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tCHAIN\tDESCRIPTION")
	for _, p := range l.Profiles {
		name := p.Name
		if p.Name == l.Config.Profile {
			name += " *"
		}
		chain := "base > " + strings.Join(p.Chain, " > ")
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, chain, p.Description)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if l.Config.Profile != "" {
		_, err := fmt.Fprintf(w, "\n* in use: %s (%s)\n", l.Config.Profile, l.ProfileFrom)
		return err
	}
	return nil
}

func newInitCmd(env runEnv) *cobra.Command {
	var format string
	var force bool
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a commented starter devserver.yaml (or .toml) and git-ignore the local overlay",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "yaml" && format != "toml" {
				return usageError{fmt.Errorf("--format: unknown format %q (allowed: yaml, toml)", format)}
			}
			return writeStarter(cmd.OutOrStdout(), env.Dir, format, force)
		},
	}
	cmd.Flags().StringVar(&format, "format", "yaml", "file format: yaml or toml")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing config file")
	return cmd
}

// writeStarter writes devserver.FORMAT into dir and adds the overlay and
// devserver's state directory to .gitignore.
func writeStarter(w io.Writer, dir, format string, force bool) error {
	name := "devserver." + format
	for _, other := range []string{"devserver.yaml", "devserver.yml", "devserver.toml"} {
		_, err := os.Stat(filepath.Join(dir, other))
		switch {
		case err != nil:
		case other != name:
			return exitError{exitFailure, fmt.Errorf("%s already exists; remove it first (one config file per directory)", other)}
		case !force:
			return exitError{exitFailure, fmt.Errorf("%s already exists (use --force to overwrite it)", name)}
		}
	}
	data, err := config.Starter(format)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	fmt.Fprintf(w, "wrote %s\n", name)
	added, err := gitignore(filepath.Join(dir, ".gitignore"), "devserver.local.*", ".devserver/")
	if err != nil {
		return err
	}
	if len(added) > 0 {
		fmt.Fprintf(w, "added %s to .gitignore\n", strings.Join(added, " and "))
	}
	_, err = fmt.Fprintf(w, "next: set app.run in %s, then run devserver\n", name)
	return err
}

// gitignore appends the lines that path does not hold yet and returns them.
func gitignore(path string, lines ...string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read .gitignore: %w", err)
	}
	have := map[string]bool{}
	for l := range strings.Lines(string(data)) {
		have[strings.TrimSpace(l)] = true
	}
	var added []string
	for _, l := range lines {
		if !have[l] && !have["/"+l] {
			added = append(added, l)
		}
	}
	if len(added) == 0 {
		return nil, nil
	}
	text := string(data)
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	text += "# devserver: personal overlay and local state\n" + joinLines(added)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return nil, fmt.Errorf("write .gitignore: %w", err)
	}
	return added, nil
}
