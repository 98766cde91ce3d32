@platform @trace
Feature: The same scenario gives the same device-time trace, whatever ran before it
  A scenario written from the step catalogue alone, which once passed on its own and failed after other features:
  a reading due at the last instant of "1 minute passes" was published or not depending on wall-clock timing. The
  node's whole last instant now runs before the harness looks, and so does its first: the node's modem dialogue at boot
  takes no device time, and the harness used to look for "online" before or after it had finished depending on how busy
  the machine was (the readings' phase moved by a second in a fresh clone on CI).

  Scenario: a minute of protocol v2 readings, every one of them stored
    Given the platform is running
    And a node running firmware "2.1.0" with protocol v2
    And the node reports every 5 seconds
    When 1 minute passes on the node's clock
    Then the backend stores 12 readings of protocol v2 for the node
    And the readings on the link were taken at uptime 5000 ms and every 5000 ms after, 12 in all
