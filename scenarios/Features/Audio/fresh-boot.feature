@audio @platform
Feature: After a boot the node needs history before it trusts the spike ratio
  The spike ratio compares a capture's loudness with the mean of earlier captures. Right after a
  boot there are none, or only one or two that may be the event itself, so the node raises no
  event until 3 captures of history exist (firmware/README.md, "Spike-ratio history").

  Background:
    Given a node
    And the hive temperature is 34.5 °C and the humidity 62 %

  @smoke
  Scenario: piping right after a boot is not flagged until there is history
    When the node hears 2 s of queen piping
    Then the node does not trust the spike ratio yet
    And the network's p_event is at least 0.5
    But the node flags no event
    When the node hears 1 s of a normal hive
    And the node hears 1 s of a normal hive
    And the node hears 2 s of queen piping
    Then the node trusts the spike ratio
    And the node flags an event
    And the scorer's reference agrees with the node

  Scenario: a reboot forgets the history
    Given the node has heard a normal hive 3 times
    When the node reboots
    And the node hears 2 s of queen piping
    Then the node does not trust the spike ratio yet
    And the node flags no event
    And the scorer's reference agrees with the node
    And the backend stores the node's verdict within 2000 ms of the end of the clip

  Scenario: the history keeps the last eight captures, not more
    Given the node has heard a normal hive 10 times
    When the node hears 2 s of queen piping
    Then the node trusts the spike ratio
    And the node flags an event
    And the scorer's reference agrees with the node
