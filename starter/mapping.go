package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ecforce-logiless/connector/mapping"
)

func runMapping(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "validate" {
		return usageError{"usage: starter mapping validate FILE"}
	}
	return runMappingValidate(ctx, args[1:], out)
}

// runMappingValidate checks a mapping CSV the way the worker will load it
// and prints every problem with its line.
func runMappingValidate(_ context.Context, args []string, out io.Writer) error {
	if len(args) != 1 {
		return usageError{"usage: starter mapping validate FILE"}
	}
	table, err := mapping.LoadFile(args[0])
	if err != nil {
		var verr *mapping.ValidationError
		if errors.As(err, &verr) {
			fmt.Fprintln(out, verr.Error())
			return fmt.Errorf("%s is not valid", args[0])
		}
		return err
	}
	fmt.Fprintf(out, "%s: %d rows, %d distinct LOGILESS articles\n", args[0], table.Len(), len(table.ArticleCodes()))
	if table.Len() == 0 {
		fmt.Fprintln(out, "warning: the table is empty; every order will fail with an unmapped SKU")
	}
	return nil
}
