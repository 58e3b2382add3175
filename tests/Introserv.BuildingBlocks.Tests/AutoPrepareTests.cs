using Introserv.BuildingBlocks.Data;
using Npgsql;

namespace Introserv.BuildingBlocks.Tests;

public sealed class AutoPrepareTests
{
    [Fact]
    public void A_connection_string_gets_server_side_preparation_of_repeated_statements()
    {
        var settings = new NpgsqlConnectionStringBuilder(
            DatabaseExtensions.WithAutoPrepare("Host=db;Database=orders;Username=app;Password=secret"));

        Assert.Equal(64, settings.MaxAutoPrepare);
        Assert.Equal(2, settings.AutoPrepareMinUsages);
        Assert.Equal("orders", settings.Database);
        Assert.Equal("secret", settings.Password);
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;MaxAutoPrepare=8", 8)]
    public void A_connection_string_that_sets_it_keeps_its_value(string connectionString, int expected)
    {
        var settings = new NpgsqlConnectionStringBuilder(DatabaseExtensions.WithAutoPrepare(connectionString));

        Assert.Equal(expected, settings.MaxAutoPrepare);
    }

    [Fact]
    public void No_connection_string_stays_none() => Assert.Null(DatabaseExtensions.WithAutoPrepare(null));

    [Fact]
    public void A_pooled_connection_is_not_reset_unless_the_connection_string_says_so()
    {
        Assert.True(new NpgsqlConnectionStringBuilder(
            DatabaseExtensions.WithoutResetOnClose("Host=db;Database=orders")).NoResetOnClose);
        Assert.False(new NpgsqlConnectionStringBuilder(
            DatabaseExtensions.WithoutResetOnClose("Host=db;No Reset On Close=false")).NoResetOnClose);
        Assert.Null(DatabaseExtensions.WithoutResetOnClose(null));
    }

    [Fact]
    public void A_process_opens_at_most_twenty_connections_to_its_database_unless_the_connection_string_says_so()
    {
        Assert.Equal(DatabaseExtensions.DefaultMaxPoolSize, new NpgsqlConnectionStringBuilder(
            DatabaseExtensions.WithBoundedPool("Host=db;Database=orders")).MaxPoolSize);
        Assert.Equal(20, DatabaseExtensions.DefaultMaxPoolSize);
        Assert.Equal(50, new NpgsqlConnectionStringBuilder(
            DatabaseExtensions.WithBoundedPool("Host=db;Maximum Pool Size=50")).MaxPoolSize);
        Assert.Equal(7, new NpgsqlConnectionStringBuilder(
            DatabaseExtensions.WithBoundedPool("Host=db;MaxPoolSize=7")).MaxPoolSize);
        // A minimum alone does not count as a choice of the maximum.
        var withMinimum = new NpgsqlConnectionStringBuilder(
            DatabaseExtensions.WithBoundedPool("Host=db;Minimum Pool Size=2"));
        Assert.Equal((2, 20), (withMinimum.MinPoolSize, withMinimum.MaxPoolSize));
        Assert.Null(DatabaseExtensions.WithBoundedPool(null));
    }
}
