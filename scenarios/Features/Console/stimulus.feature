@console @stimulus
Feature: Sensor readings come in through the stimulus channel
  Background:
    Given a node

  @smoke
  Scenario: a reading published on demand carries the stimulus values
    Given the hive temperature is 24.5 °C and the humidity 58 %
    When the node sends 3 readings
    Then the link carries at least 3 readings from the node
    And the last reading on the link has temperature 24.5 and humidity 58

  Scenario: a corrupted frame is counted and ignored
    When a corrupted stimulus frame arrives
    Then the node's stim_bad counter is 1
    And the node's stim_frames counter is 0

  Scenario: a frame of the wrong length is counted and ignored, and the next good one is read
    When a sensor frame of the wrong length arrives
    Then the node's stim_bad counter is 1
    Given the hive temperature is 30 °C and the humidity 40 %
    When the node sends 1 reading
    Then the node's stim_frames counter is 2
    And the last reading on the link has temperature 30 and humidity 40

  Scenario: good frames are counted
    Given the hive temperature is 30 °C and the humidity 40 %
    When the node sends 2 readings
    Then the node's stim_frames counter is 3
    And the node's stim_bad counter is 0
