namespace Hil.Mqtt.Packets;

/// <summary>Topic names, topic filters and how they match (MQTT 3.1.1, 4.7).</summary>
public static class MqttTopic
{
    /// <summary>Null when <paramref name="topic"/> is a valid topic name for PUBLISH, else why not.</summary>
    public static string? ValidateTopicName(string topic)
    {
        if (topic.Length == 0) return "a topic name must not be empty";
        if (topic.IndexOfAny(['+', '#']) >= 0) return $"a topic name must not contain wildcards: '{topic}'";
        return null;
    }

    /// <summary>Null when <paramref name="filter"/> is a valid topic filter, else why not.</summary>
    public static string? ValidateFilter(string filter)
    {
        if (filter.Length == 0) return "a topic filter must not be empty";
        string[] levels = filter.Split('/');
        for (int i = 0; i < levels.Length; i++)
        {
            string level = levels[i];
            if (level.Contains('#') && (level != "#" || i != levels.Length - 1))
                return $"'#' must be the last level on its own: '{filter}'";
            if (level.Contains('+') && level != "+")
                return $"'+' must occupy a whole level: '{filter}'";
        }
        return null;
    }

    /// <summary>Whether <paramref name="topic"/> matches <paramref name="filter"/> (both assumed valid).</summary>
    public static bool Matches(string filter, string topic)
    {
        // Topics starting with '$' are not matched by filters starting with a wildcard (4.7.2).
        if (topic.StartsWith('$') && (filter.StartsWith('+') || filter.StartsWith('#'))) return false;
        int f = 0, t = 0;
        while (true)
        {
            int fEnd = filter.IndexOf('/', f);
            if (fEnd < 0) fEnd = filter.Length;
            ReadOnlySpan<char> fLevel = filter.AsSpan(f, fEnd - f);
            if (fLevel is "#") return true;
            if (t > topic.Length) return false;
            int tEnd = topic.IndexOf('/', t);
            if (tEnd < 0) tEnd = topic.Length;
            ReadOnlySpan<char> tLevel = topic.AsSpan(t, tEnd - t);
            if (fLevel is not "+" && !fLevel.SequenceEqual(tLevel)) return false;
            bool filterDone = fEnd == filter.Length;
            bool topicDone = tEnd == topic.Length;
            if (filterDone || topicDone)
            {
                if (filterDone && topicDone) return true;
                // "a/#" also matches "a": the filter's next level is a lone '#'.
                return topicDone && filter.AsSpan(fEnd) is "/#";
            }
            f = fEnd + 1;
            t = tEnd + 1;
        }
    }
}
