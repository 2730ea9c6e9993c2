using Lifeboat.Platform;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Support.Internal;

/// <summary>What every use case of the module shares: its pool, the clock, who acts.</summary>
internal sealed class SupportContext(NpgsqlDataSource dataSource, TimeProvider time, string actor)
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public TimeProvider Time { get; } = time;

    public string Actor { get; } = actor;

    public SupportContext WithActor(string actor) => new(DataSource, Time, actor);

    public NpgsqlCommand Command(string sql)
    {
#pragma warning disable CA2100 // every statement of the module is a constant in this assembly
        return DataSource.CreateCommand(sql);
#pragma warning restore CA2100
    }

    public async Task<SupportTransaction> BeginAsync(CancellationToken ct)
    {
        var connection = await DataSource.OpenConnectionAsync(ct);
        try
        {
            return new SupportTransaction(connection, await connection.BeginTransactionAsync(ct));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    public static NpgsqlParameter Int(int? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer };

    public static NpgsqlParameter Json(string json) => new() { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb };

    public static NpgsqlParameter Texts(IEnumerable<string> values) => new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    /// <summary>A person's login as given, trimmed; refuses an empty or overlong one naming what it is for.</summary>
    public static string RequirePerson(string? person, string what)
    {
        var trimmed = person?.Trim();
        return string.IsNullOrEmpty(trimmed)
            ? throw new PlatformException(PlatformErrorKind.Invalid, $"{what} is empty: give the login of the person.")
            : trimmed.Length > 200
                ? throw new PlatformException(PlatformErrorKind.Invalid, $"{what} is {trimmed.Length} characters long; a login is at most 200.")
                : trimmed;
    }
}

/// <summary>A connection and its transaction, disposed together.</summary>
internal sealed class SupportTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
{
    public NpgsqlCommand Command(string sql)
    {
#pragma warning disable CA2100 // every statement of the module is a constant in this assembly
        return new NpgsqlCommand(sql, connection, transaction);
#pragma warning restore CA2100
    }

    public NpgsqlBatch Batch() => new(connection, transaction);

    public Task CommitAsync(CancellationToken ct) => transaction.CommitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
