"""What every face builds on: tenancy, the record base classes and column types, the database handle, the clock."""
