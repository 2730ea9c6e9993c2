using Lifeboat.Communication.Internal;

namespace Lifeboat.Communication.Subscriptions;

/// <summary>Reads subscriptions: the confirmed subscribers of components (whom a public update goes to), an address's pending ones.</summary>
internal sealed class SubscriberList(CommsContext context)
{
    /// <summary>Each confirmed subscriber of any of <paramref name="components"/> once, with the components it has among them.</summary>
    public async Task<IReadOnlyList<(string Address, IReadOnlyList<string> Components)>> ConfirmedOfAsync(IReadOnlyList<string> components, CancellationToken ct)
    {
        if (components.Count == 0)
        {
            return [];
        }

        await using var cmd = context.Command("""
            SELECT min(address), array_agg(component ORDER BY component) FROM comms.subscriptions
            WHERE component = ANY($1) AND state = 'confirmed'
            GROUP BY address_key ORDER BY address_key
            """);
        cmd.Parameters.Add(new() { Value = components.ToArray() });
        var list = new List<(string, IReadOnlyList<string>)>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add((reader.GetString(0), reader.GetFieldValue<string[]>(1)));
        }

        return list;
    }

    /// <summary>The components an address asked for and has not confirmed yet.</summary>
    public async Task<IReadOnlyList<string>> PendingOfAsync(string addressKey, CancellationToken ct)
    {
        await using var cmd = context.Command("SELECT component FROM comms.subscriptions WHERE address_key = $1 AND state = 'pending' ORDER BY component");
        cmd.Parameters.Add(new() { Value = addressKey });
        var list = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }
}
