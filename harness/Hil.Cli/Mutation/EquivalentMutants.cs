using YamlDotNet.RepresentationModel;

namespace Hil.Cli.Mutation;

/// <summary>A mutant marked as unable to change behaviour, with the reason (firmware/mutation-equivalents.yaml).</summary>
public sealed record EquivalentMutant(string Id, string Where, string Reason);

/// <summary>
/// The file of equivalent mutants, under version control beside the firmware:
/// <code>
/// - id: 3fa2c1d9e0b7
///   where: core/ring.c:42:17      # for the reader; the id decides
///   reason: "the loop ends on the same element either way"
/// </code>
/// Marked mutants still run and are listed apart, never silently dropped; a marked id that no longer exists is reported.
/// </summary>
public static class EquivalentMutants
{
    public static IReadOnlyDictionary<string, EquivalentMutant> Load(string? path)
    {
        if (path is null || !File.Exists(path)) return new Dictionary<string, EquivalentMutant>();
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new FormatException($"{path}:{e.Start.Line}: {e.Message}");
        }
        var marked = new Dictionary<string, EquivalentMutant>(StringComparer.Ordinal);
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" }) return marked;
        if (stream.Documents[0].RootNode is not YamlSequenceNode list)
            throw new FormatException($"{path}:1: expected a list of {{id, where, reason}}");
        foreach (YamlNode node in list)
        {
            if (node is not YamlMappingNode entry) throw new FormatException($"{path}:{node.Start.Line}: expected {{id, where, reason}}");
            string? Field(string name) => entry.Children.TryGetValue(new YamlScalarNode(name), out YamlNode? v) ? (v as YamlScalarNode)?.Value : null;
            string id = Field("id") ?? throw new FormatException($"{path}:{entry.Start.Line}: an entry without 'id'");
            string reason = Field("reason") is { Length: > 0 } r ? r : throw new FormatException($"{path}:{entry.Start.Line}: mutant {id} has no 'reason'");
            if (!marked.TryAdd(id, new EquivalentMutant(id, Field("where") ?? "", reason)))
                throw new FormatException($"{path}:{entry.Start.Line}: mutant {id} is listed twice");
        }
        return marked;
    }
}
