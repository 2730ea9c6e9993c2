using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Retrospectives.Internal;

/// <summary>What every use case of the module shares: its pool, the clock, who acts (and, from a host, as which principal).</summary>
internal sealed class RetroContext(NpgsqlDataSource dataSource, TimeProvider time, string actor, Principal? principal)
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public TimeProvider Time { get; } = time;

    public string Actor { get; } = actor;

    /// <summary>The authenticated principal a host acts as; null for the product itself and the library's own callers.</summary>
    public Principal? Principal { get; } = principal;

    public RetroContext WithActor(string actor, Principal? principal) => new(DataSource, Time, actor, principal);

    public NpgsqlCommand Command(string sql)
    {
#pragma warning disable CA2100 // every statement of the module is a constant in this assembly
        return DataSource.CreateCommand(sql);
#pragma warning restore CA2100
    }

    public async Task<RetroTransaction> BeginAsync(CancellationToken ct)
    {
        var connection = await DataSource.OpenConnectionAsync(ct);
        try
        {
            return new RetroTransaction(connection, await connection.BeginTransactionAsync(ct));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    public static NpgsqlParameter Json(string? json) => new() { Value = (object?)json ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb };

    /// <summary>A person's login as given, trimmed; refuses an empty or overlong one naming what it is for.</summary>
    public static string RequirePerson(string? person, string what)
    {
        var trimmed = person?.Trim();
        return string.IsNullOrEmpty(trimmed)
            ? throw new PlatformException(PlatformErrorKind.Invalid, $"{what} is empty: give the login of the person. Nothing was changed.")
            : trimmed.Length > 200
                ? throw new PlatformException(PlatformErrorKind.Invalid, $"{what} is {trimmed.Length} characters long; a login is at most 200. Nothing was changed.")
                : trimmed;
    }
}

/// <summary>A connection and its transaction, disposed together.</summary>
internal sealed class RetroTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
{
    public NpgsqlCommand Command(string sql)
    {
#pragma warning disable CA2100 // every statement of the module is a constant in this assembly
        return new NpgsqlCommand(sql, connection, transaction);
#pragma warning restore CA2100
    }

    public Task CommitAsync(CancellationToken ct) => transaction.CommitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
