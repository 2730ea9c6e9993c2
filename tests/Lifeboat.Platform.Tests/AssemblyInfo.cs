[assembly: AssemblyFixture(typeof(PostgresServerLifetime))]
