using Console.Core.Persistence.Postgres;
using Npgsql;

namespace Console.Tests.Core;

/// <summary>The console's PostgreSQL connections prepare what they repeat and skip the session reset, unless the operator's connection string says otherwise.</summary>
public sealed class PostgresConnectionDefaultsTests
{
    [Fact]
    public void A_connection_string_that_does_not_name_it_gets_it_and_keeps_the_rest()
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresConnectionDefaults.Apply("Host=db;Database=console;Username=app;Password=s3cret;Maximum Pool Size=40"));

        Assert.Equal((PostgresConnectionDefaults.MaxAutoPrepare, true), (tuned.MaxAutoPrepare, tuned.NoResetOnClose));
        Assert.Equal(("db", "console", "app", "s3cret", 40), (tuned.Host, tuned.Database, tuned.Username, tuned.Password, tuned.MaxPoolSize));
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0")]
    [InlineData("Host=db;maxautoprepare=0")]
    public void The_operators_own_value_wins_however_it_is_spelled(string connectionString)
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresConnectionDefaults.Apply(connectionString));

        Assert.Equal(0, tuned.MaxAutoPrepare);
    }

    [Theory]
    [InlineData("Host=db;No Reset On Close=false")]
    [InlineData("Host=db;noresetonclose=False")]
    public void The_operators_own_session_reset_wins_however_it_is_spelled(string connectionString)
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresConnectionDefaults.Apply(connectionString));

        Assert.Equal((false, PostgresConnectionDefaults.MaxAutoPrepare), (tuned.NoResetOnClose, tuned.MaxAutoPrepare));
    }
}
