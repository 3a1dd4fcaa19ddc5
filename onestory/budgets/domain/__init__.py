"""Pure rules for budgets and "who pays?": no Django imports, money in integer pence."""
