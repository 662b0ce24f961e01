package main

import (
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/control"
	"github.com/devserver/devserver/control/mcpserver"
	"github.com/devserver/devserver/internal/recent"
	"github.com/devserver/devserver/internal/version"
)

// controlCmds are the commands that ask the devserver running for this
// project over its control channel.
func controlCmds(env runEnv) []*cobra.Command {
	return []*cobra.Command{newStatusCmd(env), newSettleCmd(env, false), newSettleCmd(env, true), newLogsCmd(env), newMCPCmd(env)}
}

func newStatusCmd(env runEnv) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Say what the running devserver does: its URL, each unit's state, pid, port and failure",
		Args:  noArgs,
		RunE: withClient(env, func(cmd *cobra.Command, c *control.Client, _ []string) error {
			st, err := c.Status(cmd.Context())
			if err != nil {
				return err
			}
			return control.Print(cmd.OutOrStdout(), asJSON, st, func(w io.Writer) { control.PrintStatus(w, st) })
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// newSettleCmd is wait, or with restart, restart.
func newSettleCmd(env runEnv, restart bool) *cobra.Command {
	var asJSON bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "wait",
		Short: "Wait until every unit has settled after the changes made so far; exit 0 if all are ready",
		Long: `Wait until the running devserver has taken every change made until now and
each unit has settled (ready or failed), then say which are ready and, for
each failure, its message, file:line, the code around it and the last lines
of output. Exit 0 when every unit is ready, 1 otherwise. Run it after editing
a file, in a script or an agent, instead of reading the terminal.`,
		Args: noArgs,
		RunE: withClient(env, func(cmd *cobra.Command, c *control.Client, _ []string) error {
			s, err := c.Wait(cmd.Context(), timeout)
			return settled(cmd, asJSON, s, err)
		}),
	}
	if restart {
		cmd.Use, cmd.Long, cmd.Args = "restart [UNIT...]", "", nil
		cmd.Short = "Restart units of the running devserver (all without names) and wait until they settle; exit 0 if all are ready"
		cmd.RunE = withClient(env, func(cmd *cobra.Command, c *control.Client, args []string) error {
			s, err := c.Restart(cmd.Context(), args, timeout)
			return settled(cmd, asJSON, s, err)
		})
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().DurationVar(&timeout, "timeout", control.DefaultWait, "give up after this long (exit 1)")
	return cmd
}

func newLogsCmd(env runEnv) *cobra.Command {
	var asJSON, follow bool
	var lines int
	cmd := &cobra.Command{
		Use:   "logs [UNIT]",
		Short: "Print the last lines each unit printed (or one unit's, or browser's), and with -f what follows",
		Args:  cobra.MaximumNArgs(1),
		RunE: withClient(env, func(cmd *cobra.Command, c *control.Client, args []string) error {
			unit := ""
			if len(args) == 1 {
				unit = args[0]
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			return c.Logs(cmd.Context(), unit, lines, follow, func(l recent.Line) error {
				if asJSON {
					return enc.Encode(l)
				}
				control.PrintLine(cmd.OutOrStdout(), l)
				return nil
			})
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON object a line")
	cmd.Flags().IntVarP(&lines, "lines", "n", 100, "how many of the last lines")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "go on printing the lines that follow, until Ctrl+C or devserver stops")
	return cmd
}

func newMCPCmd(env runEnv) *cobra.Command {
	return &cobra.Command{
		Use:   "mcp",
		Short: "Serve the Model Context Protocol on stdio for coding agents: status, wait, errors, logs, restart",
		Long: `Serve the Model Context Protocol (MCP) on standard input and output, for a
coding agent or an editor: its tools status, wait, errors, logs and restart ask
the devserver that runs for this project, as the commands of those names do.
Add it to the agent's MCP settings as the command "devserver mcp", run in the
project's directory; devserver itself runs in a terminal of its own.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			find := func() (*control.Client, error) { return findClient(cmd, env) }
			return mcpserver.Serve(cmd.Context(), find, version.String())
		},
	}
}

// withClient finds the running devserver of the project before f runs.
func withClient(env runEnv, f func(*cobra.Command, *control.Client, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c, err := findClient(cmd, env)
		if err != nil {
			return err
		}
		return f(cmd, c, args)
	}
}

// findClient is a client of the devserver that runs for the project of
// the working directory (or of --config).
func findClient(cmd *cobra.Command, env runEnv) (*control.Client, error) {
	dir, err := config.ProjectDir(loadOptions(cmd, env, ""))
	if err != nil {
		return nil, err
	}
	c, err := control.Find(dir)
	if errors.Is(err, control.ErrNotRunning) {
		return nil, exitError{exitFailure, err}
	}
	return c, err
}

// settled prints the outcome of wait or restart; not every unit ready is
// exit 1.
func settled(cmd *cobra.Command, asJSON bool, s control.Settled, err error) error {
	if err != nil {
		return err
	}
	if err := control.Print(cmd.OutOrStdout(), asJSON, s, func(w io.Writer) { control.PrintSettled(w, s) }); err != nil {
		return err
	}
	if !s.Ready() {
		return exitError{exitFailure, errors.New("not every unit is ready")}
	}
	return nil
}
